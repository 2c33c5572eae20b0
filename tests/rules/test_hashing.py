"""The content hash covers a version's public change note, and only a note changes it."""

import hashlib
import json

import pytest

from reviewapp.rules.hashing import content_hash, signed_wording

WORDING = {
    "article_slug": "a",
    "section_key": "s1",
    "audience": "clinician",
    "heading": "Titre",
    "body": "Texte [@ref-0].",
}
# The hash of WORDING as every version was signed before notes existed.
SIGNED_BEFORE_NOTES = "93a1e14de746cdbb494323695c18379a00f0d87b4c60ec1c0a1b6250286551c8"


def hash_before_notes(*, article_slug, section_key, audience, heading, body) -> str:
    """The content hash as it was computed before versions carried a public change note."""
    signed = json.dumps(
        {
            "article": article_slug,
            "section": section_key,
            "audience": audience,
            "heading": heading,
            "body": body,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(signed.encode()).hexdigest()


@pytest.mark.parametrize("note", [None, ""])
def test_a_version_without_a_note_hashes_exactly_as_before(note):
    assert content_hash(**WORDING, public_note=note) == SIGNED_BEFORE_NOTES
    assert content_hash(**WORDING) == hash_before_notes(**WORDING) == SIGNED_BEFORE_NOTES
    assert "public_note" not in signed_wording(**WORDING, public_note=note)


def test_the_note_is_in_the_signed_string_and_changes_the_hash():
    noted = content_hash(**WORDING, public_note="Posologie précisée.")
    assert noted != SIGNED_BEFORE_NOTES
    assert noted != content_hash(**WORDING, public_note="Posologie corrigée.")
    signed = signed_wording(**WORDING, public_note="Posologie précisée.")
    assert json.loads(signed)["public_note"] == "Posologie précisée."
    assert hashlib.sha256(signed.encode()).hexdigest() == noted


def test_the_same_note_on_other_wording_or_another_place_hashes_differently():
    note = "Posologie précisée."
    base = content_hash(**WORDING, public_note=note)
    assert base != content_hash(**{**WORDING, "body": "Autre texte."}, public_note=note)
    assert base != content_hash(**{**WORDING, "audience": "patient"}, public_note=note)
