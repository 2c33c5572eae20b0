"""One lockout for every password check: signing in and signing a version.

Each check of a password is a `PasswordCheck` row, written by the domain as it checks,
so repeated wrong passwords lock whoever calls the operation, a page, the API or a script.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from reviewapp.domain.errors import TooManyAttempts
from reviewapp.extensions import db
from reviewapp.models import PasswordCheck
from reviewapp.rules.clock import utcnow


@dataclass(frozen=True)
class Lockout:
    """How many wrong passwords a purpose allows in a window, per account and per address."""

    purpose: str
    per_account: int
    per_address: int | None
    window: timedelta
    refusal: str


SIGN_IN = Lockout(
    "sign_in",
    per_account=5,
    per_address=20,
    window=timedelta(minutes=15),
    refusal="Too many failed sign-ins: wait until {until:%H:%M} UTC before trying again, "
    "or ask an admin.",
)
SIGNING = Lockout(
    "signing",
    per_account=5,
    per_address=None,
    window=timedelta(minutes=15),
    refusal="Signing is locked after repeated wrong passwords; try again after {until:%H:%M} UTC.",
)


def _oldest_counted_failure(lockout: Lockout, column, value: str, limit: int, now: datetime):
    failures = db.session.scalars(
        select(PasswordCheck.attempted_at)
        .where(
            PasswordCheck.purpose == lockout.purpose,
            column == value,
            PasswordCheck.succeeded.is_(False),
            PasswordCheck.attempted_at > now - lockout.window,
        )
        .order_by(PasswordCheck.attempted_at.desc())
        .limit(limit)
    ).all()
    return failures[-1] if len(failures) >= limit else None


def locked_until(
    lockout: Lockout, email: str, remote_addr: str = "", now: datetime | None = None
) -> datetime | None:
    """Return when the account (or address) may try again, or None if it may now."""
    now = now or utcnow()
    oldest = [
        _oldest_counted_failure(lockout, PasswordCheck.email, email, lockout.per_account, now)
    ]
    if lockout.per_address is not None and remote_addr:
        oldest.append(
            _oldest_counted_failure(
                lockout, PasswordCheck.remote_addr, remote_addr, lockout.per_address, now
            )
        )
    found = [moment for moment in oldest if moment is not None]
    return max(found) + lockout.window if found else None


def refuse_if_locked(lockout: Lockout, email: str, remote_addr: str = "", **context) -> None:
    """Refuse with TooManyAttempts, before any password is looked at, while locked."""
    until = locked_until(lockout, email, remote_addr)
    if until is not None:
        raise TooManyAttempts(lockout.refusal.format(until=until), **context)


def record_check(lockout: Lockout, email: str, succeeded: bool, remote_addr: str = "") -> None:
    """Keep one password check; wrong ones count toward the lockout."""
    db.session.add(
        PasswordCheck(
            purpose=lockout.purpose,
            email=email,
            remote_addr=remote_addr,
            succeeded=succeeded,
            attempted_at=utcnow(),
        )
    )
    db.session.flush()
