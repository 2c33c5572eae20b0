"""The reader's page speaks its article's language: labels, warnings, dates, disclaimers."""

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from reviewapp.rules.site_texts import DEFAULTS
from reviewapp.rules.states import Audience

C, P = Audience.CLINICIAN, Audience.PATIENT
URL = "/articles/test-article"
CATALOGUE = "reviewapp/translations/fr/LC_MESSAGES/messages.po"
# The chrome strings the issue names, and the others a French reader used to meet in English.
ENGLISH_CHROME = [
    "Last updated",
    "Which best describes you",
    "Pending human review",
    "Professional Medical Disclaimer",
    "Medical disclaimer",
    "Healthcare professional",
    "Patient or caregiver",
    "Show this wording",
    "Under Review",
    "Submitted",
    "Approved",
    "Educational purpose only",
    "Do not rely on it",
    "Next review due",
    "Verify what was signed",
    "Signed by",
    "Reviewed by",
    "Authors and review",
    "References",
    "Editorial policy",
    "Skip to content",
    "board signature",
    "sections reviewed",
    "intended for healthcare professionals",
    "everyday words",
]


class TextOutsideEnglish(HTMLParser):
    """Collect the text of a page that no element marked lang="en" contains."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it inside lang="en"?
        # Inside <script>, <style> or <title> (which cannot carry a lang of its own: the
        # question there is the article's data, not chrome).
        self.skipped = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        inherited = self.stack[-1] if self.stack else False
        lang = dict(attrs).get("lang")
        self.stack.append(lang.startswith("en") if lang is not None else inherited)
        self.skipped += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        self.skipped -= tag in ("script", "style", "title")
        self.stack.pop()

    def handle_data(self, data):
        if not self.skipped and not (self.stack and self.stack[-1]):
            self.text.append(data)


def outside_english(html: str) -> str:
    parser = TextOutsideEnglish()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.text))


def long_english_messages() -> list[str]:
    """Every catalogue message whose French differs, long enough not to be a French word."""
    with open(CATALOGUE, "rb") as po:
        catalogue = read_po(po)
    found = []
    for message in catalogue:
        english = message.id[0] if isinstance(message.id, tuple) else message.id
        french = message.string[0] if isinstance(message.string, tuple) else message.string
        # The words before any placeholder ("Version %(number)d, approved" -> "Version").
        words = re.split(r"%\(\w+\)[sd]", english)[0].strip()
        if len(words) > 12 and french and french != english:
            found.append(words)
    return found


@pytest.fixture
def french_article(make_article):
    """A French article with everything a reader can meet: reviewed and pending sections,
    patient wording, an English question, and front matter still pending."""
    from reviewapp.extensions import db

    article = make_article(
        approve=(("summary", C), ("s1", C), ("summary", P)),
        under_review=(("s2", C),),
        policy="pending-with-caution",
        patient=True,
    )
    article.title, article.title_language = "What is the question?", "en"
    db.session.commit()
    return article


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_french_article_has_no_english_chrome(client, french_article, audience):
    html = client.get(f"{URL}/{audience}").text
    assert '<html lang="fr">' in html
    assert '<h1 id="article-title" lang="en">What is the question?</h1>' in html
    text = outside_english(html)
    assert "What is the question?" not in text  # the English question is marked as such
    for english in ENGLISH_CHROME + long_english_messages():
        assert english not in text, f"{english!r} shown in English on the French page"
    assert "En attente de relecture humaine." in text
    assert "Qui êtes-vous ?" in text


def test_french_disclaimers_are_shipped_for_both_audiences(client, french_article):
    clinician = outside_english(client.get(f"{URL}/clinician").text)
    patient = outside_english(client.get(f"{URL}/patient").text)
    assert DEFAULTS["disclaimer.clinician.fr"] in clinician
    assert DEFAULTS["disclaimer.patient.fr"] in patient
    assert "appelez le 15 (SAMU) ou le 112" in patient


def test_dates_are_written_for_the_article_language(client, french_article):
    from babel.dates import format_date

    from reviewapp.rules.clock import utcnow

    html = client.get(f"{URL}/clinician").text
    today = utcnow()
    assert format_date(today, "d MMMM y", locale="fr") in html  # "2 décembre 2026"
    assert format_date(today, "d MMMM y", locale="en") not in html


def test_the_browser_language_does_not_choose_the_page_language(client, french_article):
    html = client.get(f"{URL}/patient", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Avertissement médical" in html
    assert "Medical disclaimer" not in html


def test_an_approved_french_disclaimer_replaces_the_shipped_one(
    client, french_article, editor, board_members, contributor
):
    from reviewapp.domain.part_chains import site_text_part
    from reviewapp.domain.parts import submit_part
    from reviewapp.extensions import db
    from tests.conftest import approve_fully

    part = site_text_part("disclaimer.patient.fr")
    text = "Texte relu et signé : appelez le 15 en cas d’urgence."
    version = submit_part(
        contributor, part, {"key": part.site_text_key, "text": text}, base_version_id=None
    )
    db.session.commit()
    approve_fully(editor, board_members, version)
    db.session.commit()
    html = client.get(f"{URL}/patient").text
    assert text in html
    assert DEFAULTS["disclaimer.patient.fr"] not in html


def test_an_article_in_another_language_keeps_english_chrome(client, make_article):
    from reviewapp.extensions import db

    article = make_article(approve="all")
    article.language = "de"
    db.session.commit()
    html = client.get(f"{URL}/clinician").text
    assert '<html lang="de">' in html
    assert '<div class="chrome" lang="en">' in html
    assert "Professional Medical Disclaimer" in html
    assert DEFAULTS["disclaimer.clinician"] in html  # no German text is shipped


def test_staff_pages_stay_english(client, french_article, login, editor):
    client.get(f"{URL}/clinician")
    login(editor)
    html = client.get("/review/").text
    assert '<html lang="en">' in html
    assert "Skip to content" in html


def test_the_printout_says_where_when_for_whom_and_how_far_reviewed(client, french_article):
    from babel.dates import format_date

    from reviewapp.rules.clock import utcnow

    html = client.get(f"{URL}/patient").text
    record = html.split('<dl class="print-only print-record">', 1)[1].split("</dl>", 1)[0]
    text = re.sub(r"<[^>]+>", "", record)
    assert "Imprimé depuis" in text
    assert "http://reviewapp.test/articles/test-article/patient" in text
    printed_on = format_date(utcnow(), "d MMMM y", locale="fr")
    assert re.sub(r"\s", "", f"Imprimé le{printed_on}") in re.sub(r"\s", "", text)
    assert "patients et proches aidants" in text
    assert "2 sections relues sur 4" in text
