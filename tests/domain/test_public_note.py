"""A version's public change note: required once approved where it is asked for, reviewed and
signed with the wording (the content hash covers it), and checked like the wording."""

import json

import pytest
from sqlalchemy import select, text

from reviewapp.domain import integrity
from reviewapp.domain.errors import ValidationError
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, Version
from reviewapp.rules.hashing import content_hash
from reviewapp.rules.states import Audience, State
from tests.conftest import approve_fully

C = Audience.CLINICIAN
NOTE = "La posologie chez l'insuffisant rénal est précisée."


def section(key: str = "s1") -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def submit(contributor, key: str = "s1", **fields) -> Version:
    previous = latest_version(section(key), C)
    return submit_version(
        contributor,
        section(key),
        C,
        heading=previous.heading,
        body=previous.body + " Révisé.",
        base_version_id=previous.id,
        **{"change_summary": "Demande de Dr Editor.", **fields},
    )


def test_the_note_is_stored_hashed_and_audited(make_article, contributor):
    make_article(approve="all")
    version = submit(contributor, public_note=f"  {NOTE}  ")
    assert version.public_note == NOTE
    assert version.content_hash == content_hash(
        article_slug="test-article",
        section_key="s1",
        audience="clinician",
        heading=version.heading,
        body=version.body,
        public_note=NOTE,
    )
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "version.submit")
        .order_by(AuditEvent.id.desc())
    )
    assert json.loads(event.after)["public_note"] == NOTE


@pytest.mark.parametrize("note", ["", "   \n "])
def test_the_note_is_required_once_the_section_was_approved(make_article, contributor, note):
    make_article(approve="all")
    with pytest.raises(ValidationError) as refused:
        submit(contributor, public_note=note)
    assert refused.value.field == "public_note"
    assert "public change note" in refused.value.message
    assert latest_version(section(), C).number == 1


def test_a_first_wording_needs_no_note_and_stores_none(make_article, contributor):
    make_article()  # nothing of the wording approved yet
    version = submit(contributor, public_note="")
    assert version.public_note is None


def test_an_entry_point_that_offers_no_note_stores_none(make_article, contributor):
    # Content import without a note passes None: the changelog then shows a neutral line.
    make_article(approve="all")
    version = submit(contributor)
    assert version.public_note is None
    assert version.content_hash == content_hash(
        article_slug="test-article",
        section_key="s1",
        audience="clinician",
        heading=version.heading,
        body=version.body,
    )


def test_versions_with_and_without_notes_pass_the_integrity_check(
    make_article, contributor, editor, board_members, runner
):
    make_article(approve="all")
    noted = approve_fully(editor, board_members, submit(contributor, public_note=NOTE))
    db.session.commit()
    assert noted.workflow_state is State.APPROVED
    assert list(integrity.scan()) == []
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Stored text intact" in result.output


def test_a_note_changed_behind_the_app_s_back_fails_verification(
    client, make_article, contributor, editor, board_members, runner
):
    make_article(approve="all")
    version = approve_fully(editor, board_members, submit(contributor, public_note=NOTE))
    db.session.commit()
    db.session.execute(
        text("UPDATE version SET public_note = :note WHERE id = :id"),
        {"note": "Rien n'a changé.", "id": version.id},
    )
    db.session.commit()
    db.session.expire_all()
    assert [mismatch.version_id for mismatch in integrity.scan()] == [version.id]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"Version {version.id}: its stored heading or body does not match" in result.output
    # Readers are not shown wording whose signed note no longer matches.
    page = client.get("/articles/test-article/clinician").text
    start = page.index('id="section-s1"')
    shown = page[start : page.index("</section>", start)]
    assert "Révisé." not in shown
    assert 'role="alert"' in shown  # unavailable pending verification


def test_the_verification_page_shows_the_signed_note(
    client, make_article, contributor, editor, board_members
):
    make_article(approve="all")
    version = approve_fully(editor, board_members, submit(contributor, public_note=NOTE))
    db.session.commit()
    answer = client.get(
        f"/verify/{version.content_hash}", headers={"Accept": "application/json"}
    ).json
    assert answer["intact"] is True
    assert json.loads(answer["payload"])["public_note"] == NOTE
    assert answer["versions"][0]["public_note"] == NOTE
    assert "Demande de Dr Editor." not in json.dumps(answer)
