"""The content hash that reviews and signatures are bound to."""

import hashlib
import json


def content_hash(
    *, article_slug: str, section_key: str, audience: str, heading: str, body: str
) -> str:
    """Return the SHA-256 of one version's wording and the place it belongs to.

    The place is part of the hash so that a signature can never count for the same words
    in another section, audience or article.
    """
    return sha256_hex(
        signed_wording(
            article_slug=article_slug,
            section_key=section_key,
            audience=audience,
            heading=heading,
            body=body,
        )
    )


def sha256_hex(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def signed_wording(
    *, article_slug: str, section_key: str, audience: str, heading: str, body: str
) -> str:
    """Return exactly the string a wording version's content hash is the SHA-256 of."""
    return json.dumps(
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
