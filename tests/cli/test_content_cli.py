"""Content as files: `flask content import` and `flask content export`."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Reference, Section, Version
from reviewapp.rules.states import Audience, State
from reviewapp.text.content_files import parse_wording, read_article

SEED = Path(__file__).resolve().parents[2] / "content"
SEED_SLUG = "necrotic-metastatic-tumor"


def version_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Version.id)))


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SEED, target)
    return target


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_seed_article_transcription():
    files = read_article(SEED / SEED_SLUG)
    assert files.meta["language"] == "fr"
    assert files.meta["publication"] == "pending-with-caution"
    clinician = files.wording[Audience.CLINICIAN]
    assert clinician[0].key == "summary"
    assert clinician[0].heading == "Traitement des Tumeurs Nécrosantes Métastatiques"
    assert [s.level for s in clinician[1:]] == [2, 2, 3, 3, 3, 3, 2, 2, 2]
    patient_keys = [s.key for s in files.wording[Audience.PATIENT]]
    assert patient_keys == [s.key for s in clinician]
    unnamed = next(r for r in files.references if r["key"] == "source-2")
    assert "title" not in unnamed
    assert "year" not in unnamed


def test_import_creates_submitted_versions_and_reports(runner, contributor):
    result = runner.invoke(args=["content", "import", str(SEED), "--as", contributor.email])
    assert result.exit_code == 0, result.output
    assert f"{SEED_SLUG}: created" in result.output
    assert "version 1 of cbnpc (clinician), Submitted" in result.output
    assert "version 1 of cbnpc (patient), Submitted" in result.output
    for part in ("front matter version 1", "review settings version 1", "outline version 1"):
        assert part in result.output
    assert "reference version 1 (Reference source-2), Submitted" in result.output
    versions = db.session.scalars(select(Version).where(Version.kind == "wording")).all()
    assert len(versions) == 20
    assert {v.workflow_state for v in db.session.scalars(select(Version))} == {State.SUBMITTED}
    assert all(len(v.content_hash) == 64 for v in versions)
    patient = [v for v in versions if v.audience == "patient"]
    assert all(v.source_clinician_id is not None for v in patient)
    incomplete = db.session.scalar(select(Reference).where(Reference.key == "source-2"))
    assert incomplete.is_incomplete
    assert incomplete.missing_essentials == ["title", "authors or organisation", "year"]


def test_import_twice_creates_nothing(runner, contributor):
    runner.invoke(args=["content", "import", str(SEED), "--as", contributor.email])
    before, events = version_count(), db.session.scalar(select(func.count(AuditEvent.id)))
    result = runner.invoke(args=["content", "import", str(SEED), "--as", contributor.email])
    assert result.exit_code == 0
    assert f"{SEED_SLUG}: unchanged" in result.output
    assert version_count() == before
    # Only the import itself is recorded.
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events + 1


def test_export_then_import_changes_nothing(runner, contributor, tmp_path):
    runner.invoke(args=["content", "import", str(SEED), "--as", contributor.email])
    exported = tmp_path / "exported"
    result = runner.invoke(args=["content", "export", str(exported)])
    assert result.exit_code == 0, result.output
    assert (exported / SEED_SLUG / "article.toml").exists()
    assert (exported / SEED_SLUG / "patient.md").exists()
    before = version_count()
    again = runner.invoke(args=["content", "import", str(exported), "--as", contributor.email])
    assert again.exit_code == 0, again.output
    assert f"{SEED_SLUG}: unchanged" in again.output
    assert version_count() == before
    original = read_article(SEED / SEED_SLUG)
    round_trip = read_article(exported / SEED_SLUG)
    assert original.references == round_trip.references
    for audience in Audience:
        assert [(s.key, s.level, s.heading, s.body) for s in original.wording[audience]] == [
            (s.key, s.level, s.heading, s.body) for s in round_trip.wording[audience]
        ]


def test_changed_wording_makes_one_new_version(runner, contributor, seed_copy):
    runner.invoke(args=["content", "import", str(seed_copy), "--as", contributor.email])
    folder = seed_copy / SEED_SLUG
    text = (folder / "clinician.md").read_text(encoding="utf-8")
    write(folder, "clinician.md", text.replace("Scanner thoraco-abdominal", "Scanner TAP"))
    result = runner.invoke(args=["content", "import", str(seed_copy), "--as", contributor.email])
    assert result.exit_code == 0, result.output
    assert "version 2 of evaluation-initiale (clinician), Submitted" in result.output
    first = db.session.scalar(
        select(Version).where(
            Version.number == 1,
            Version.section.has(key="evaluation-initiale"),
            Version.audience == "clinician",
        )
    )
    assert first.workflow_state is State.SUPERSEDED


@pytest.mark.parametrize(
    ("filename", "change", "message"),
    [
        (
            "clinician.md",
            lambda t: t.replace("[@guideline-overview]", "[@nowhere]", 1),
            "clinician.md, line 3: unknown citation key 'nowhere'",
        ),
        (
            "clinician.md",
            lambda t: t + "\n## Encore {#cbnpc}\n\nTexte.\n",
            "duplicate section key 'cbnpc'",
        ),
        ("article.toml", lambda t: t + "\nthis is = not [toml\n", "article.toml: invalid TOML"),
        (
            "patient.md",
            lambda t: t + "\n## Inconnue {#absente}\n\nTexte.\n",
            "section 'absente' is not in clinician.md",
        ),
        (
            "article.toml",
            lambda t: t.replace(
                'publication = "pending-with-caution"', 'publication = "sometimes"'
            ),
            "publication must be 'approved-only' or 'pending-with-caution'",
        ),
    ],
)
def test_invalid_files_import_nothing_and_say_where(
    runner, contributor, seed_copy, filename, change, message
):
    path = seed_copy / SEED_SLUG / filename
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(seed_copy), "--as", contributor.email])
    assert result.exit_code == 1
    assert "Nothing imported." in result.output
    assert message in result.output
    assert db.session.scalar(select(func.count(Article.id))) == 0
    assert version_count() == 0


def test_import_needs_a_contributor_and_audits_the_refusal(runner, editor):
    result = runner.invoke(args=["content", "import", str(SEED), "--as", editor.email])
    assert result.exit_code == 1
    assert "needs the contributor role" in result.output
    assert version_count() == 0
    refusal = db.session.scalar(select(AuditEvent).where(AuditEvent.outcome == "refused"))
    assert refusal.action == "content.import"
    assert refusal.actor_id == editor.id


def test_import_unknown_account(runner):
    result = runner.invoke(args=["content", "import", str(SEED), "--as", "nobody@example.org"])
    assert result.exit_code == 1
    assert "No account with the email nobody@example.org" in result.output


def test_headings_without_key_get_one_from_their_text():
    sections = parse_wording("Résumé.\n\n## Effets indésirables graves\n\nTexte.\n", "x.md")
    assert [(s.key, s.heading) for s in sections] == [
        ("summary", ""),
        ("effets-indesirables-graves", "Effets indésirables graves"),
    ]


def test_headings_inside_code_fences_are_body_text():
    sections = parse_wording("## A {#a}\n\n```\n## not a heading\n```\n", "x.md")
    assert [s.key for s in sections] == ["a"]
    assert "## not a heading" in sections[0].body


def test_sections_keep_file_order(runner, contributor):
    runner.invoke(args=["content", "import", str(SEED), "--as", contributor.email])
    keys = db.session.scalars(select(Section.key).order_by(Section.position)).all()
    assert keys[:3] == ["summary", "evaluation-initiale", "strategie-therapeutique"]
