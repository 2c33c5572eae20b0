"""Stored text changed behind the app's back is never served, never published, never
restored, and is named by the check."""

import json

import pytest
from flask_migrate import stamp, upgrade
from sqlalchemy import select, text

from reviewapp import create_app
from reviewapp.domain import integrity
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import IntegrityRefused
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, Version
from reviewapp.rules.states import Action, Audience, State
from tests.conftest import TEST_PASSWORD, scratch_postgres_database

URL = "/articles/test-article/clinician"
TAMPERED = "TAMPERED: double the dose."


def published_s1() -> Version:
    section = db.session.scalar(select(Section).where(Section.key == "s1"))
    return db.session.get(Version, section.published_clinician_id)


def assert_unavailable(page: str) -> None:
    """The section says, in the page's language, that it is unavailable pending verification."""
    start = page.index('id="section-s1"')
    section = page[start : page.index("</section>", start)]
    assert 'role="alert"' in section
    assert "Texte de la section 1" not in section


def tamper(version_id: int, **columns: str) -> None:
    """Change a version's row in SQL, as someone with database access would."""
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    db.session.execute(
        text(f"UPDATE version SET {assignments} WHERE id = :id"),  # noqa: S608 - test names
        {"id": version_id, **columns},
    )
    db.session.commit()
    db.session.expire_all()


def test_altered_text_on_a_published_version_is_not_served_and_is_audited(client, make_article):
    make_article(approve="all")
    version_id = published_s1().id
    tamper(version_id, body=TAMPERED, body_html=f"<p>{TAMPERED}</p>")

    page = client.get(URL)
    assert page.status_code == 200
    assert TAMPERED not in page.text
    assert_unavailable(page.text)
    assert "Texte de la section 2" in page.text  # the other sections are still served
    failure = db.session.scalar(select(AuditEvent).where(AuditEvent.action == integrity.FAILURE))
    assert failure.target_id == version_id
    assert "does not match its content hash" in failure.message
    assert [m.version_id for m in integrity.scan()] == [version_id]
    signed_on = db.session.get(Version, version_id).content_hash
    check = client.get(f"/verify/{signed_on}", headers={"Accept": "application/json"}).json
    assert check["payload"] is None
    assert check["versions"][0]["intact"] is False
    assert check["versions"][0]["signatures"] == []


def test_html_changed_alone_is_caught_too(client, make_article):
    make_article(approve="all")
    version = published_s1()
    tamper(version.id, body_html=f"<p>{TAMPERED}</p>")
    page = client.get(URL)
    assert TAMPERED not in page.text
    assert_unavailable(page.text)
    [mismatch] = integrity.scan()
    assert "HTML is not what its hashed text renders to" in mismatch.reason


def test_a_rehashed_text_without_matching_signatures_is_not_served(client, make_article):
    from reviewapp.rules.hashing import content_hash

    make_article(approve="all")
    version = published_s1()
    rehashed = content_hash(
        article_slug="test-article",
        section_key="s1",
        audience="clinician",
        heading=version.heading,
        body=TAMPERED,
    )
    tamper(version.id, body=TAMPERED, body_html=f"<p>{TAMPERED}</p>\n", content_hash=rehashed)
    page = client.get(URL)
    assert TAMPERED not in page.text
    assert_unavailable(page.text)


def test_a_version_altered_while_awaiting_signoff_is_never_published(
    client, make_article, editor, board_members
):
    make_article()
    section = db.session.scalar(select(Section).where(Section.key == "s1"))
    version = latest_version(section, Audience.CLINICIAN)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    tamper(version.id, body=TAMPERED)
    version = db.session.get(Version, version.id)
    with pytest.raises(IntegrityRefused, match="was not published"):
        sign_version(board_members[0], version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.rollback()
    assert db.session.get(Version, version.id).workflow_state is State.AWAITING_SIGNOFF
    assert db.session.get(Section, section.id).published_clinician_id is None


def test_a_part_s_altered_values_are_named(make_article):
    make_article(approve="all")
    version = db.session.scalar(select(Version).where(Version.kind == "front_matter"))
    values = json.loads(version.payload) | {"title": "Une autre question ?"}
    tamper(version.id, payload=json.dumps(values))
    [mismatch] = integrity.scan()
    assert mismatch.version_id == version.id
    assert "values do not match" in mismatch.reason


@pytest.fixture
def empty_database(app, tmp_path):
    if db.engine.dialect.name != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    with scratch_postgres_database("integrity") as url:
        yield url


def test_a_dump_edited_before_restore_is_refused(
    app, runner, make_article, tmp_path, empty_database
):
    make_article(approve="all")
    version_id = published_s1().id
    stamp()
    assert runner.invoke(args=["backup", "dump", str(tmp_path / "dump")]).exit_code == 0
    dumped = tmp_path / "dump" / "version.jsonl"
    rows = [json.loads(line) for line in dumped.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        if row["id"] == version_id:
            row["body"], row["body_html"] = TAMPERED, f"<p>{TAMPERED}</p>"
    dumped.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    restored_app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": empty_database})
    with restored_app.app_context():
        upgrade()
        result = restored_app.test_cli_runner().invoke(
            args=["backup", "restore", str(tmp_path / "dump")]
        )
        assert result.exit_code == 1
        assert f"Version {version_id}: its stored heading or body does not match" in result.output
        assert db.session.scalar(select(db.func.count(Version.id))) == 0
        db.session.remove()
        db.engine.dispose()


def test_flask_audit_verify_names_every_version_whose_text_was_altered(runner, make_article):
    make_article(approve="all")
    first = published_s1()
    second = db.session.get(
        Version,
        db.session.scalar(select(Section.published_clinician_id).where(Section.key == "s2")),
    )
    assert "Stored text intact" in runner.invoke(args=["audit", "verify"]).output
    tamper(first.id, body=TAMPERED, body_html=f"<p>{TAMPERED}</p>")
    tamper(second.id, body_html="<p>Autre.</p>")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"Version {first.id}: its stored heading or body does not match" in result.output
    assert f"Version {second.id}: its stored HTML is not what" in result.output


def test_verify_names_a_title_or_reference_changed_behind_the_app_s_back(runner, make_article):
    make_article(approve="all")
    db.session.execute(text("UPDATE article SET title = 'Une question jamais relue ?'"))
    db.session.execute(text("UPDATE reference SET doi = '10.1000/forged' WHERE key = 'ref-0'"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "what readers are shown of its front matter differs" in result.output
    assert "what readers are shown of its reference differs" in result.output
