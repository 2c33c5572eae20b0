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
    payload = json.dumps(
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
    return hashlib.sha256(payload.encode()).hexdigest()
