"""Import submits versions of every part and never applies them: the page changes only when
each is approved and signed under the settings in force before."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewapp.cli.demo import load_demo
from reviewapp.domain import part_chains
from reviewapp.domain.engine import transition
from reviewapp.domain.parts import submit_part
from reviewapp.domain.signoffs import sign_version
from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Section, User, Version
from reviewapp.rules.states import PENDING_STATES, Action, Kind, State

SEED = Path(__file__).resolve().parents[2] / "content"
SLUG = "necrotic-metastatic-tumor"
OLD_TITLE = "What is the best course of treatment for a necrotic metastatic tumor?"
NEW_TITLE = "Is it safe in pregnancy?"
APPROVED = "Approved for publication"


def person(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def demo_password(email: str) -> str:
    return f"{email.split('@')[0]}-demo-2026"


@pytest.fixture
def demo(app, tmp_path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(SEED, content)
    load_demo(content)
    db.session.commit()
    return content / SLUG


def pending_kinds(client, token: str) -> dict[str, list[int]]:
    answer = client.get(
        f"/api/v1/articles/{SLUG}/pending", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    kinds: dict[str, list[int]] = {}
    for item in answer.json["versions"]:
        kinds.setdefault(item["kind"], []).append(item["id"])
    return kinds


def review_and_sign(version_id: int, signers: int) -> Version:
    """The demo editor starts review and approves; `signers` independent members sign."""
    version = db.session.get(Version, version_id)
    editor = person("editor@example.org")
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    for email in ("board@example.org", "board2@example.org")[:signers]:
        sign_version(
            person(email),
            version,
            password=demo_password(email),
            meaning="Approved for publication",
        )
    db.session.commit()
    return version


def test_an_import_changing_reviewed_parts_submits_them_and_shows_nothing_until_signed(
    demo, runner, client, api_token
):
    before = client.get(f"/articles/{SLUG}/clinician")
    toml = (demo / "article.toml").read_text(encoding="utf-8")
    edited = (
        toml.replace("required_signoffs = 2", "required_signoffs = 1")
        .replace(f'title = "{OLD_TITLE}"', f'title = "{NEW_TITLE}"')
        .replace('disclosures = "None declared"', 'disclosures = "Consultant for a maker"', 1)
    )
    reference_doi = "10.1000/changed.doi"
    edited = _change_first_doi(edited, reference_doi)
    (demo / "article.toml").write_text(edited, encoding="utf-8")

    result = runner.invoke(
        args=[
            "content",
            "import",
            str(demo.parent),
            "--as",
            "contributor@example.org",
            "--change-summary",
            "Retitled; corrected a DOI; new disclosure.",
        ]
    )
    assert result.exit_code == 0, result.output
    for printed in ("front matter version 2", "review settings version 2", "reference version 2"):
        assert printed in result.output

    after = client.get(f"/articles/{SLUG}/clinician")
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.text == before.text
    token = api_token(person("editor@example.org"))
    listed = client.get(f"/api/v1/articles/{SLUG}", headers={"Authorization": f"Bearer {token}"})
    assert listed.json["title"] == OLD_TITLE
    assert reference_doi not in listed.text
    kinds = pending_kinds(client, token)
    assert {"front_matter", "reference", "settings"} <= set(kinds)
    assert len(kinds["reference"]) == 1

    # The settings in force require two signatures: one is not enough for any of them.
    for kind in ("front_matter", "reference", "settings"):
        version = review_and_sign(kinds[kind][0], signers=1)
        assert version.workflow_state is State.AWAITING_SIGNOFF, kind
    assert client.get(f"/articles/{SLUG}/clinician").text == before.text
    for kind in ("front_matter", "reference", "settings"):
        version = db.session.get(Version, kinds[kind][0])
        sign_version(
            person("board2@example.org"),
            version,
            password=demo_password("board2@example.org"),
            meaning="Approved for publication",
        )
        db.session.commit()
        assert version.workflow_state is State.APPROVED, kind

    page = client.get(f"/articles/{SLUG}/clinician")
    assert page.headers["ETag"] != before.headers["ETag"]
    assert NEW_TITLE in page.text
    assert OLD_TITLE not in page.text
    assert reference_doi in page.text
    assert "Consultant for a maker" in page.text
    article = db.session.scalar(select(Article).where(Article.slug == SLUG))
    assert article.required_signoffs == 1
    assert pending_kinds(client, token).keys().isdisjoint({"front_matter", "reference", "settings"})


def _change_first_doi(toml: str, doi: str) -> str:
    """Give the seed's first reference a DOI (it has none yet)."""
    year = "year = 2025\n"
    return toml.replace(year, f'{year}doi = "{doi}"\n', 1)


def test_a_section_removed_from_the_files_is_retired_once_the_outline_is_approved(
    demo, runner, client
):
    for name in ("clinician.md", "patient.md"):
        path = demo / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            start = text.index("{#sarcomes}")
            start = text.rindex("\n#", 0, start) + 1
            end = text.find("\n#", start + 1)
            path.write_text(text[:start] + (text[end + 1 :] if end != -1 else ""), encoding="utf-8")
    before = client.get(f"/articles/{SLUG}/clinician")
    assert 'id="section-sarcomes"' in before.text
    result = runner.invoke(
        args=[
            "content",
            "import",
            str(demo.parent),
            "--as",
            "contributor@example.org",
            "--change-summary",
            "Sarcomas move to their own article.",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "outline version 2" in result.output
    article = db.session.scalar(select(Article).where(Article.slug == SLUG))
    outline = part_chains.outline_part(article).newest()
    assert json.loads(outline.payload)["retired"] == ["sarcomes"]
    sarcomas = db.session.scalar(select(Section).where(Section.key == "sarcomes"))
    assert sarcomas.in_outline
    assert client.get(f"/articles/{SLUG}/clinician").headers["ETag"] == before.headers["ETag"]

    review_and_sign(outline.id, signers=2)
    db.session.expire_all()
    assert not db.session.get(Section, sarcomas.id).in_outline
    page = client.get(f"/articles/{SLUG}/clinician")
    assert 'id="section-sarcomes"' not in page.text
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "version.publish", AuditEvent.target_id == outline.id
        )
    )
    assert event is not None
    assert json.loads(event.after)["kind"] == "outline"


def test_the_patient_disclaimer_changes_only_once_approved(demo, client):
    before = client.get(f"/articles/{SLUG}/patient")
    wording = "Ceci est une information générale : parlez-en à votre médecin."
    # The French article shows the French patient disclaimer (shipped until one is approved).
    part = part_chains.site_text_part("disclaimer.patient.fr")
    proposal = submit_part(
        person("editor2@example.org"),
        part,
        {"key": "disclaimer.patient.fr", "text": wording},
        base_version_id=part.newest().id if part.newest() else None,
        change_summary="Plainer wording.",
    )
    db.session.commit()
    assert proposal.kind == Kind.SITE_TEXT.value
    assert proposal.workflow_state in PENDING_STATES
    page = client.get(f"/articles/{SLUG}/patient")
    assert wording not in page.text
    assert page.headers["ETag"] == before.headers["ETag"]

    version = review_and_sign(proposal.id, signers=1)
    assert version.workflow_state is State.AWAITING_SIGNOFF  # site texts need two
    sign_version(
        person("board2@example.org"),
        version,
        password=demo_password("board2@example.org"),
        meaning="Approved for publication",
    )
    db.session.commit()
    assert version.workflow_state is State.APPROVED
    page = client.get(f"/articles/{SLUG}/patient")
    assert wording in page.text
    assert page.headers["ETag"] != before.headers["ETag"]
    assert wording not in client.get(f"/articles/{SLUG}/clinician").text


def test_an_unchanged_import_submits_nothing(demo, runner):
    count = db.session.scalar(select(db.func.count(Version.id)))
    result = runner.invoke(
        args=["content", "import", str(demo.parent), "--as", "contributor@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert f"{SLUG}: unchanged" in result.output
    assert db.session.scalar(select(db.func.count(Version.id))) == count
