"""Which board signatures count for a version: the one home of a regulatory rule.

A signature counts for a version when it was made on that version's exact content hash and,
when the question is asked of a past moment, when it had been made by then. The board pages,
the public page, the API, the history and the quorum check all ask here.
"""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select

from reviewapp.extensions import db
from reviewapp.models import Signoff, Version


def counting(as_of: datetime | None = None) -> ColumnElement[bool]:
    """Return the condition, on Signoff joined to its Version, that a signature counts."""
    condition = and_(Signoff.version_id == Version.id, Signoff.content_hash == Version.content_hash)
    if as_of is not None:
        condition = and_(condition, Signoff.signed_at <= as_of)
    return condition


def counts(signoff: Signoff, version: Version, as_of: datetime | None = None) -> bool:
    """Return whether `signoff`, already loaded, counts for `version` (at `as_of`)."""
    if signoff.version_id != version.id or signoff.content_hash != version.content_hash:
        return False
    return as_of is None or signoff.signed_at <= as_of


def quorum_count(version: Version, as_of: datetime | None = None) -> int:
    """Return how many distinct board members' signatures count for `version`."""
    return db.session.scalar(
        select(func.count(func.distinct(Signoff.signer_id)))
        .join(Version, Version.id == Signoff.version_id)
        .where(Signoff.version_id == version.id, counting(as_of))
    )


def counting_signoffs(
    version_ids: list[int], as_of: datetime | None = None
) -> dict[int, list[Signoff]]:
    """Return, per version id, the signatures that count, oldest first."""
    found: dict[int, list[Signoff]] = defaultdict(list)
    if not version_ids:
        return found
    query = (
        select(Signoff)
        .join(Version, Version.id == Signoff.version_id)
        .where(Signoff.version_id.in_(version_ids), counting(as_of))
        .order_by(Signoff.signed_at, Signoff.id)
    )
    for signoff in db.session.scalars(query):
        found[signoff.version_id].append(signoff)
    return found
