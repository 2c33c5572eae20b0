"""How long each field a person or a pipeline types may be: one table for every entry point.

The domain operations check these; the web forms and the API schemas read them, so a value
refused in one place is refused everywhere, and the API documents the same maximum it enforces.
"""

from types import MappingProxyType

# Primary keys are 32-bit on PostgreSQL; a larger number cannot name a row.
MAX_ID = 2**31 - 1

HEADING = 500
BODY = 100_000
CHANGE_SUMMARY = 2_000
# One line of the public changelog: what readers are told changed, not the editors' reasons.
PUBLIC_NOTE = 1_000
# The provenance column is String(200): "tool:<name and version>".
PROVENANCE = 200
COMMENT = 10_000
TRANSITION_COMMENT = 10_000
OBJECTION_REASON = 10_000
# Shown to readers where the wording was, and in the changelog: a short public statement.
WITHDRAWAL_REASON = 1_000
PASSWORD = 1_024
MEANING = 200
EMAIL = 254
PERSON_NAME = 200
CREDENTIALS = 200
TOKEN_NAME = 200

# Field name, as forms and API bodies call it → its maximum length in characters.
FIELD_LIMITS = MappingProxyType(
    {
        "heading": HEADING,
        "body": BODY,
        "change_summary": CHANGE_SUMMARY,
        "public_note": PUBLIC_NOTE,
        "provenance": PROVENANCE,
        "comment": TRANSITION_COMMENT,
        "reason": OBJECTION_REASON,
        "password": PASSWORD,
        "meaning": MEANING,
        "email": EMAIL,
        "name": PERSON_NAME,
        "credentials": CREDENTIALS,
    }
)


def too_long(field: str, value: str, limit: int) -> str | None:
    """Return the message refusing `value` for `field`, or None when it fits."""
    if len(value) <= limit:
        return None
    return f"The {field.replace('_', ' ')} is longer than {limit:,} characters ({len(value):,})."
