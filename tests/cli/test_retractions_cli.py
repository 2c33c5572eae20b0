"""Retracted sources (issue #16, part 6): `flask references retractions FILE` marks the
references a retraction list names and makes the published wording citing them review due."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    AuditEvent,
    Notification,
    Reference,
    ReferenceRetraction,
    Section,
    Version,
    VersionCitation,
)
from reviewapp.rules.re_reviews import SOURCE_RETRACTED
from tests.conftest import TEST_PASSWORD, approve_fully, csrf_token

SEED = Path(__file__).resolve().parents[2] / "content"
SLUG = "necrotic-metastatic-tumor"
CITED = "guideline-overview"
DOI = "10.5555/retracted.guideline.2025"


@pytest.fixture
def seed(runner, tmp_path, contributor, editor, board_members) -> Article:
    """Import the seed article, its guideline overview given a DOI, and publish all of it."""
    folder = tmp_path / "content"
    shutil.copytree(SEED, folder)
    toml = folder / SLUG / "article.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace(f'key = "{CITED}"\n', f'key = "{CITED}"\ndoi = "{DOI}"\n', 1),
        encoding="utf-8",
    )
    result = runner.invoke(args=["content", "import", str(folder), "--as", contributor.email])
    assert result.exit_code == 0, result.output
    for version in db.session.scalars(select(Version).order_by(Version.id)).all():
        approve_fully(editor, board_members, version)
    db.session.commit()
    return db.session.scalar(select(Article).where(Article.slug == SLUG))


def citing_published(reference: Reference) -> list[Version]:
    db.session.expire_all()
    sections = db.session.scalars(select(Section)).all()
    published = {s.published_clinician_id for s in sections} | {
        s.published_patient_id for s in sections
    }
    return [
        version
        for version in db.session.scalars(
            select(Version)
            .join(VersionCitation, VersionCitation.version_id == Version.id)
            .where(VersionCitation.reference_id == reference.id)
        )
        if version.id in published
    ]


def write_list(tmp_path: Path, header: str, *rows: str) -> Path:
    path = tmp_path / "retraction-watch.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(AuditEvent.id))),
        db.session.scalar(select(func.count(Notification.id))),
        db.session.scalar(select(func.count(ReferenceRetraction.id))),
    )


def test_a_retraction_list_makes_citing_sections_review_due(
    app, runner, client, seed, tmp_path, editor
):
    reference = db.session.scalar(select(Reference).where(Reference.key == CITED))
    citing = citing_published(reference)
    assert len(citing) > 2  # the seed cites its guideline overview throughout, both wordings
    before_versions = db.session.scalar(select(func.count(Version.id)))
    # Retraction Watch's columns, the DOI as a resolver address in capitals.
    listed = write_list(
        tmp_path,
        "Record ID,Title,OriginalPaperDOI,OriginalPaperPubMedID,RetractionDOI",
        f'1,"Guideline overview",https://doi.org/{DOI.upper()},0,10.5555/notice.1',
        "2,Unrelated,10.9999/other,12345678,10.9999/notice.2",
    )
    result = runner.invoke(args=["references", "retractions", str(listed)])
    assert result.exit_code == 0, result.output
    assert f"Marked retracted: {SLUG} [{CITED}] (doi {DOI})" in result.output

    mark = db.session.scalar(select(ReferenceRetraction))
    assert (mark.list_name, mark.notice_doi) == ("retraction-watch.csv", "10.5555/notice.1")
    for version in citing_published(reference):
        assert version.review_due_reason == SOURCE_RETRACTED
        assert version.review_due_since is not None
    # A mark of its own: no version of the reference or of the wording was made.
    assert db.session.scalar(select(func.count(Version.id))) == before_versions
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reference.retracted"))
    assert event is not None
    assert event.target_id == reference.id

    # The editors' queue lists each citing section with the reason.
    desk = app.test_client()
    token = csrf_token(desk, "/sign-in")
    desk.post(
        "/sign-in", data={"email": editor.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    queue = desk.get("/review/").text
    due = queue[
        queue.index('id="due-heading"') : queue.index("</section>", queue.index('id="due-heading"'))
    ]
    assert due.count(SOURCE_RETRACTED) == len(citing)
    # The review screen marks the source retracted.
    screen = desk.get(f"/review/versions/{citing[0].id}").text
    assert "Retracted source:" in screen
    assert "retraction-watch.csv" in screen
    # The public page marks it, in the reader's language, with the notice.
    for audience in ("clinician", "patient"):
        page = client.get(f"/articles/{SLUG}/{audience}").text
        item = page[page.index(f'id="ref-{CITED}"') :]
        item = item[: item.index("</li>")]
        assert "Source rétractée." in item
        assert 'href="https://doi.org/10.5555/notice.1"' in item
    # The editors are told, once per section made due.
    told = db.session.scalars(
        select(Notification).where(
            Notification.kind == "wording_review_due", Notification.recipient_id == editor.id
        )
    ).all()
    assert len(told) == len(citing)
    assert all("retracted" in notice.message for notice in told)

    # Reading the same list again changes nothing: no event, no notification, no mark.
    before = counts()
    again = runner.invoke(args=["references", "retractions", str(listed)])
    assert again.exit_code == 0, again.output
    assert "Nothing changed." in again.output
    assert "1 cited source(s) were already marked retracted." in again.output
    assert counts() == before


def test_a_pmid_column_in_any_case_matches(runner, seed, tmp_path):
    reference = db.session.scalar(select(Reference).where(Reference.key == "source-2"))
    reference.pmid = "31234567"
    db.session.commit()
    listed = write_list(tmp_path, "PMID,Notice_DOI", "031234567,")
    result = runner.invoke(args=["references", "retractions", str(listed), "--list-name", "RW"])
    assert result.exit_code == 0, result.output
    assert "[source-2] (pmid 31234567)" in result.output
    assert db.session.scalar(select(ReferenceRetraction.list_name)) == "RW"


def test_a_list_without_identifiers_is_refused(runner, seed, tmp_path):
    before = counts()
    listed = write_list(tmp_path, "Title,Journal", "Something,Somewhere")
    result = runner.invoke(args=["references", "retractions", str(listed)])
    assert result.exit_code == 1
    assert "no doi or pmid column" in result.output
    assert counts() == before
    binary = tmp_path / "list.csv"
    binary.write_bytes(b"\xff\xfe\x00d\x00o\x00i")
    result = runner.invoke(args=["references", "retractions", str(binary)])
    assert result.exit_code == 1
    assert "not UTF-8" in result.output
    assert counts() == before
