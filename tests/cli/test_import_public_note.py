"""The public change note from the command line: `content import --public-note`, and the
demo's revised sections, whose notes make its changelog worth reading."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewapp.cli.demo import DEMO_REVISIONS, load_demo
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import Section
from reviewapp.rules.states import Audience, State

SEED = Path(__file__).resolve().parents[2] / "content"
SLUG = "necrotic-metastatic-tumor"
C = Audience.CLINICIAN


@pytest.fixture
def demo(app, tmp_path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(SEED, content)
    load_demo(content)
    db.session.commit()
    return content / SLUG


def section(key: str) -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def test_the_demo_changelog_shows_french_notes_linked_to_their_sections(demo, client):
    html = client.get(f"/articles/{SLUG}/changelog").text
    assert '<html lang="fr">' in html
    for revision in DEMO_REVISIONS:
        note = revision.public_note.replace("'", "&#39;")
        assert f'<span lang="fr">{note}</span>' in html
        assert revision.change_summary.replace("'", "&#39;") not in html
        anchor = f"/articles/{SLUG}/{revision.audience.value}#section-{revision.key}"
        assert f'href="{anchor}"' in html
        version = latest_version(section(revision.key), revision.audience)
        assert (version.number, version.workflow_state) == (2, State.APPROVED)


def test_changed_wording_imported_with_a_note_carries_it(demo, runner):
    path = demo / "clinician.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Bilan biologique complet", "Bilan sanguin complet"), "utf-8")
    result = runner.invoke(
        args=[
            "content",
            "import",
            str(demo.parent),
            "--as",
            "contributor@example.org",
            "--change-summary",
            "Terme harmonisé avec le texte patient.",
            "--public-note",
            "Formulation du bilan sanguin harmonisée.",
        ]
    )
    assert result.exit_code == 0, result.output
    version = latest_version(section("evaluation-initiale"), C)
    assert version.workflow_state is State.SUBMITTED
    assert version.public_note == "Formulation du bilan sanguin harmonisée."
    assert version.change_summary == "Terme harmonisé avec le texte patient."


def test_an_import_without_a_note_still_submits_and_stores_none(demo, runner):
    path = demo / "clinician.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Bilan biologique complet", "Bilan sanguin complet"), "utf-8")
    result = runner.invoke(
        args=[
            "content",
            "import",
            str(demo.parent),
            "--as",
            "contributor@example.org",
            "--change-summary",
            "Terme harmonisé.",
        ]
    )
    assert result.exit_code == 0, result.output
    version = latest_version(section("evaluation-initiale"), C)
    assert version.number == 3
    assert version.public_note is None
