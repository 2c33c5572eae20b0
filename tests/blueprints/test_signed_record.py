"""The signed record of a version, as a PDF a person reads (21 CFR 11.50)."""

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Section, Signoff, Version
from reviewapp.rules.states import Role
from tests.conftest import require

URL = "/board/versions/{}/record.pdf"


@pytest.fixture(autouse=True)
def _weasyprint():
    try:
        import weasyprint  # noqa: F401
    except OSError:
        require("REQUIRE_BROWSER", "WeasyPrint needs Pango and HarfBuzz (make browser-deps)")


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def published(key: str = "s1") -> Version:
    section = db.session.scalar(select(Section).where(Section.key == key))
    return db.session.get(Version, section.published_clinician_id)


def test_the_record_names_every_signature_its_meaning_time_and_the_content_hash(
    client, make_article, login, make_user
):
    make_article(approve="all")
    version = published()
    login(make_user(Role.BOARD, name="Dr Auditor"))
    answer = client.get(URL.format(version.id))
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Cache-Control"] == "private, no-store"
    text = " ".join(pdf_text(answer.data).split())
    assert version.content_hash[:32] in text.replace(" ", "")
    signoffs = db.session.scalars(select(Signoff).where(Signoff.version_id == version.id)).all()
    assert signoffs
    for signoff in signoffs:
        assert signoff.printed_name in text
        assert signoff.meaning in text
        assert signoff.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC") in text
    assert "Texte de la section 1" in text  # the wording as rendered
    assert "Reference title 1" in text  # the reference as cited
    assert "signoff.sign" in text  # the version's audit events
    cited = json.loads(signoffs[0].cited_references)
    assert cited[0]["key"] == "ref-1"


def test_a_part_s_record_shows_its_values(client, make_article, login, make_user):
    make_article(approve="all")
    version = db.session.scalar(select(Version).where(Version.kind == "settings"))
    login(make_user(Role.BOARD, name="Dr Auditor"))
    text = " ".join(pdf_text(client.get(URL.format(version.id)).data).split())
    assert "Board sign-offs required: 1" in text


def test_the_record_is_for_the_board_only(client, make_article, login, make_user):
    make_article(approve="all")
    version = published()
    assert client.get(URL.format(version.id)).status_code in (302, 401)
    login(make_user(Role.CONTRIBUTOR))
    assert client.get(URL.format(version.id)).status_code == 403
    login(make_user(Role.BOARD, name="Dr Auditor"))
    assert client.get(URL.format(2**31)).status_code == 404
