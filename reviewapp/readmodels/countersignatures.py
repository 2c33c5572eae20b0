"""What the board reads of withdrawals and retractions: those awaiting a countersignature."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reviewapp.extensions import db
from reviewapp.models import User, Version, Withdrawal, WithdrawnVersion
from reviewapp.rules.clock import utcnow

# The board home lists at most this many; the header counts them all.
SHOWN = 50


@dataclass(frozen=True)
class AwaitingCountersignature:
    withdrawal: Withdrawal
    overdue: bool
    # Withdrawn by this member: another member countersigns it.
    yours: bool


def awaiting_countersignature(member: User) -> list[AwaitingCountersignature]:
    """Return the withdrawals and retractions no board member has countersigned, the oldest
    deadline first (one query)."""
    now = utcnow()
    found = db.session.scalars(
        select(Withdrawal)
        .where(Withdrawal.countersigned_at.is_(None))
        .order_by(Withdrawal.countersign_due_at, Withdrawal.id)
        .options(joinedload(Withdrawal.article))
        .limit(SHOWN)
    ).all()
    return [
        AwaitingCountersignature(
            withdrawal, withdrawal.is_overdue(now), withdrawal.withdrawn_by_id == member.id
        )
        for withdrawal in found
    ]


@dataclass(frozen=True)
class WithdrawnShown:
    """One version a withdrawal took down, with the one it reinstated."""

    version: Version
    reinstated: Version | None


def withdrawn_versions(withdrawal: Withdrawal) -> list[WithdrawnShown]:
    """Return the versions a withdrawal took down, by section and audience (two queries)."""
    rows = db.session.scalars(
        select(WithdrawnVersion).where(WithdrawnVersion.withdrawal_id == withdrawal.id)
    ).all()
    ids = [row.version_id for row in rows] + [
        row.reinstated_version_id for row in rows if row.reinstated_version_id
    ]
    versions = (
        {
            version.id: version
            for version in db.session.scalars(
                select(Version).where(Version.id.in_(ids)).options(joinedload(Version.section))
            )
        }
        if ids
        else {}
    )
    shown = [
        WithdrawnShown(versions[row.version_id], versions.get(row.reinstated_version_id))
        for row in rows
    ]
    return sorted(shown, key=lambda item: (item.version.section.position, item.version.audience))
