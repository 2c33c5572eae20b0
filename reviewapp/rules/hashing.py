"""The content hash that reviews and signatures are bound to."""

import hashlib
import json


def content_hash(
    *,
    article_slug: str,
    section_key: str,
    audience: str,
    heading: str,
    body: str,
    public_note: str | None = None,
) -> str:
    """Return the SHA-256 of one version's wording and the place it belongs to.

    The place is part of the hash so that a signature can never count for the same words
    in another section, audience or article; the public change note is, so that the board
    signs what readers will read about the change.
    """
    return sha256_hex(
        signed_wording(
            article_slug=article_slug,
            section_key=section_key,
            audience=audience,
            heading=heading,
            body=body,
            public_note=public_note,
        )
    )


def sha256_hex(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def signed_wording(
    *,
    article_slug: str,
    section_key: str,
    audience: str,
    heading: str,
    body: str,
    public_note: str | None = None,
) -> str:
    """Return exactly the string a wording version's content hash is the SHA-256 of."""
    signed = {
        "article": article_slug,
        "section": section_key,
        "audience": audience,
        "heading": heading,
        "body": body,
    }
    # Only a version with a note names it: versions without one (all those signed before
    # notes existed) keep the very string, hence the hash, their signatures were made on.
    if public_note:
        signed["public_note"] = public_note
    return json.dumps(
        signed,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
