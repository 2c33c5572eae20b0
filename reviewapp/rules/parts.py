"""What each kind of version holds besides wording, and the readable text reviewers diff.

A part's version stores its values as canonical JSON (`payload`), the content hash covers
that JSON and the place it belongs to, and reviewers read and compare `readable()`, which
names every value so that a change to any of them shows in the diff. Pure: no Flask, no
database (migration 0011 uses it to carry existing parts across).
"""

import hashlib
import json
from typing import Any

from reviewapp.rules import specialties
from reviewapp.rules.links import web_address_problem
from reviewapp.rules.states import Audience, Kind, PublicationPolicy

FRONT_MATTER_FIELDS = ("title", "title_language", "language", "specialty")
AUTHOR_FIELDS = ("name", "credentials", "disclosures")
REFERENCE_KINDS = ("guideline", "drug-label", "article", "book", "web")
REFERENCE_FIELDS = (
    "title",
    "authors",
    "year",
    "publisher",
    "url",
    "doi",
    "pmid",
    "accessed",
    "note",
)
SETTINGS_FIELDS = ("publication", "required_signoffs", "review_interval_months")
# When pending work is due; settings proposed before these existed leave them out.
REVIEW_DAYS_FIELDS = ("days_to_first_review", "days_to_signoff")
OUTLINE_LEVELS = (1, 2, 3)

DISCLAIMER_PREFIX = "disclaimer."
EDITORIAL_POLICY = "editorial_policy"
# A disclaimer is one per audience, optionally per language: disclaimer.patient.fr
SITE_TEXT_KEYS = tuple(f"{DISCLAIMER_PREFIX}{audience.value}" for audience in Audience) + (
    EDITORIAL_POLICY,
)
# The longest value each field may hold, in characters (the columns' sizes where they have one).
VALUE_LIMITS = {
    "title": 2_000,
    "title_language": 35,
    "language": 35,
    "specialty": 100,
    "name": 200,
    "credentials": 200,
    "disclosures": 5_000,
    "key": 100,
    "kind": 20,
    "authors": 2_000,
    "publisher": 500,
    "url": 2_000,
    "doi": 200,
    "pmid": 20,
    "accessed": 20,
    "note": 5_000,
    "publication": 30,
    "text": 100_000,
}
MAX_SIGNOFFS = 20
MAX_REVIEW_INTERVAL_MONTHS = 120
# A week for an editor's first decision on a submission, two for the board to sign: the
# board meets less often than editors read their queue, and a signature needs the member's
# own reading of the sources. They also apply to site texts (no article, no settings) and to
# articles whose approved settings predate the fields.
DEFAULT_DAYS_TO_FIRST_REVIEW = 7
DEFAULT_DAYS_TO_SIGNOFF = 14
MAX_REVIEW_DAYS = 365

LABELS = {
    "title": "Title (the clinical question)",
    "title_language": "Title language",
    "language": "Language",
    "specialty": "Specialty",
    "kind": "Kind",
    "authors": "Authors",
    "year": "Year",
    "publisher": "Publisher",
    "url": "URL",
    "doi": "DOI",
    "pmid": "PMID",
    "accessed": "Accessed",
    "note": "Note",
    "publication": "Publication policy",
    "required_signoffs": "Board sign-offs required",
    "review_interval_months": "Review interval (months)",
    "days_to_first_review": "Days to first review",
    "days_to_signoff": "Days to board sign-off",
}


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def part_hash(kind: Kind, place: str, payload: dict[str, Any]) -> str:
    """Return the SHA-256 a part's version is reviewed and signed on.

    `place` (the article's slug and the reference key, or the site text key) is in the hash
    so that a signature never counts for the same values in another place.
    """
    return hashlib.sha256(signed_part(kind, place, payload).encode()).hexdigest()


def signed_part(kind: Kind, place: str, payload: dict[str, Any]) -> str:
    """Return exactly the string a part version's content hash is the SHA-256 of."""
    return canonical({"kind": kind.value, "place": place, "payload": payload})


def site_text_key_problem(key: str) -> str | None:
    """Return why `key` names no site text, or None."""
    if key in SITE_TEXT_KEYS:
        return None
    base, _, language = key.rpartition(".")
    if base in SITE_TEXT_KEYS and base.startswith(DISCLAIMER_PREFIX) and _is_language(language):
        return None
    return (
        f"Unknown site text '{key}': use one of {', '.join(SITE_TEXT_KEYS)}, "
        "or a disclaimer with a language code, such as disclaimer.patient.fr."
    )


def _is_language(code: str) -> bool:
    return 2 <= len(code) <= 8 and code.isascii() and code.isalpha() and code.islower()


def site_text_label(key: str) -> str:
    if key == EDITORIAL_POLICY:
        return "Site text: editorial policy"
    parts = key.split(".")
    label = f"Site text: {parts[1]} disclaimer"
    return f"{label} ({parts[2]})" if len(parts) > 2 else label


def readable(kind: Kind, payload: dict[str, Any]) -> str:
    """Return the text a reviewer reads for a part's version: every value, named, one a line."""
    if kind is Kind.FRONT_MATTER:
        lines = [f"{LABELS[name]}: {payload.get(name, '')}" for name in FRONT_MATTER_FIELDS]
        for number, author in enumerate(payload.get("authors", []), start=1):
            lines.append(f"Author {number}: {author.get('name', '')}")
            lines.append(f"  Credentials: {author.get('credentials', '')}")
            lines.append(f"  Disclosures: {author.get('disclosures', '')}")
        if not payload.get("authors"):
            lines.append("Authors: none listed")
        return "\n".join(lines)
    if kind is Kind.REFERENCE:
        lines = [f"Key: {payload['key']}", f"{LABELS['kind']}: {payload.get('kind', '')}"]
        for name in REFERENCE_FIELDS:
            value = payload.get(name)
            lines.append(f"{LABELS[name]}: {'' if value is None else value}")
        return "\n".join(lines)
    if kind is Kind.SETTINGS:
        named = [*SETTINGS_FIELDS, *(name for name in REVIEW_DAYS_FIELDS if name in payload)]
        return "\n".join(f"{LABELS[name]}: {payload[name]}" for name in named)
    if kind is Kind.OUTLINE:
        lines = [
            f"{index}. {'  ' * (entry['level'] - 1)}{entry['key']} (level {entry['level']})"
            for index, entry in enumerate(payload["sections"], start=1)
        ]
        lines += [f"Retired: {key}" for key in payload.get("retired", [])]
        return "\n".join(lines)
    if kind is Kind.SITE_TEXT:
        return payload["text"]
    raise ValueError(f"{kind} has no payload")


def front_matter(
    *,
    title: str,
    language: str,
    title_language: str = "",
    specialty: str = "",
    authors: list[dict[str, str]] | tuple = (),
) -> dict[str, Any]:
    return {
        "title": title.strip(),
        "title_language": title_language.strip(),
        "language": language.strip(),
        "specialty": specialty.strip(),
        "authors": [
            {name: str(author.get(name, "") or "").strip() for name in AUTHOR_FIELDS}
            for author in authors
        ],
    }


def reference(key: str, values: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {"key": key, "kind": str(values.get("kind", "")).strip()}
    for name in REFERENCE_FIELDS:
        value = values.get(name)
        if name == "year":
            payload[name] = None if value in ("", None) else value
        else:
            payload[name] = "" if value is None else str(value).strip()
    return payload


def settings(
    *,
    publication: str,
    required_signoffs: int,
    review_interval_months: int,
    days_to_first_review: int | None = None,
    days_to_signoff: int | None = None,
) -> dict[str, Any]:
    """Return review settings; days left out (None) mean the defaults, as in older versions."""
    payload: dict[str, Any] = {
        "publication": publication,
        "required_signoffs": required_signoffs,
        "review_interval_months": review_interval_months,
    }
    # Left out rather than defaulted, so that settings carried over before the fields existed
    # (migration 0011 builds them here) hash and read as they always did.
    for name, value in (
        ("days_to_first_review", days_to_first_review),
        ("days_to_signoff", days_to_signoff),
    ):
        if value is not None:
            payload[name] = value
    return payload


def review_days(payload: dict[str, Any]) -> tuple[int, int]:
    """Return (days to first review, days to board sign-off) that settings values set."""
    return (
        payload.get("days_to_first_review", DEFAULT_DAYS_TO_FIRST_REVIEW),
        payload.get("days_to_signoff", DEFAULT_DAYS_TO_SIGNOFF),
    )


def outline(sections: list[tuple[str, int]], retired: list[str] | tuple = ()) -> dict[str, Any]:
    return {
        "sections": [{"key": key, "level": level} for key, level in sections],
        "retired": sorted(retired),
    }


def problems(kind: Kind, payload: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (field, message) for every value a part's version may not hold."""
    found: list[tuple[str, str]] = []
    if kind is Kind.FRONT_MATTER:
        if not payload["title"]:
            found.append(("title", "The title (the clinical question) is required."))
        if not payload["language"]:
            found.append(("language", "The article's language is required, such as fr or en."))
        if problem := specialties.names_problem(payload.get("specialty", "")):
            found.append(("specialty", problem))
        for number, author in enumerate(payload["authors"], start=1):
            if not author["name"]:
                found.append(("authors", f"Author {number} needs a name."))
    elif kind is Kind.REFERENCE:
        if payload["kind"] not in REFERENCE_KINDS:
            found.append(("kind", f"The kind must be one of {', '.join(REFERENCE_KINDS)}."))
        if payload["url"] and (problem := web_address_problem(payload["url"])):
            found.append(("url", problem))
        year = payload["year"]
        if year is not None and (
            not isinstance(year, int) or isinstance(year, bool) or not 1000 <= year <= 2200
        ):
            found.append(("year", "The year must be a four-digit number."))
    elif kind is Kind.SETTINGS:
        if payload["publication"] not in {policy.value for policy in PublicationPolicy}:
            found.append(
                ("publication", "The policy must be 'approved-only' or 'pending-with-caution'.")
            )
        ranges = [
            ("required_signoffs", MAX_SIGNOFFS),
            ("review_interval_months", MAX_REVIEW_INTERVAL_MONTHS),
            *((name, MAX_REVIEW_DAYS) for name in REVIEW_DAYS_FIELDS if name in payload),
        ]
        for name, top in ranges:
            value = payload[name]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
                found.append((name, f"{LABELS[name]} must be a whole number from 1 to {top}."))
    elif kind is Kind.OUTLINE:
        keys = [entry["key"] for entry in payload["sections"]]
        if not keys:
            found.append(("sections", "The outline needs at least one section."))
        if len(set(keys)) != len(keys):
            found.append(("sections", "A section appears twice in the outline."))
        for entry in payload["sections"]:
            if entry["level"] not in OUTLINE_LEVELS:
                found.append(("sections", f"Section {entry['key']}: the level must be 1, 2 or 3."))
    elif kind is Kind.SITE_TEXT and not payload["text"].strip():
        found.append(("text", "The text is empty."))
    return found
