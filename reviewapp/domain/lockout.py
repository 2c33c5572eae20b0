"""One lockout for every password check: signing in and signing a version.

Each check of a password is a `PasswordCheck` row, written by the domain as it checks, so
repeated wrong passwords lock whoever calls the operation, a page, the API or a script.

What locks is the account: wrong passwords for one account, from anywhere or from one
address. A network address alone is never locked, since an office or a hospital sends
everyone through one proxy: past a number of failures it is only slowed, each further
attempt waiting twice as long after the last failure, up to a minute.

A password is hashed outside any lock (it is slow on purpose); its result is then counted
and recorded under the audit chain's lock (the first lock of every audited write), with the
lockout checked again there, so of simultaneous wrong passwords no more than the limit are
ever answered: the others are refused as locked, whatever they were.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from reviewapp.domain.errors import TooManyAttempts
from reviewapp.domain.locks import lock_chain
from reviewapp.extensions import db
from reviewapp.models import PasswordCheck
from reviewapp.rules.clock import utcnow


@dataclass(frozen=True)
class Lockout:
    """How many wrong passwords a purpose allows in a window before the account locks."""

    purpose: str
    per_account: int
    per_account_and_address: int
    window: timedelta
    refusal: str
    # Failures from one address, over all accounts, before its attempts are slowed.
    address_slowed_after: int = 20
    address_longest_wait: timedelta = timedelta(minutes=1)


SIGN_IN = Lockout(
    "sign_in",
    per_account=10,
    per_account_and_address=5,
    window=timedelta(minutes=15),
    refusal="Too many failed sign-ins for this account: wait until {until:%H:%M} UTC before "
    "trying again, or ask an admin.",
)
SIGNING = Lockout(
    "signing",
    per_account=5,
    per_account_and_address=5,
    window=timedelta(minutes=15),
    refusal="Signing is locked after repeated wrong passwords; try again after {until:%H:%M} UTC.",
)
SLOWED = (
    "Many wrong passwords came from your network lately: wait {seconds} seconds before trying "
    "again."
)


def _failures(lockout: Lockout, now: datetime, *conditions):
    return (
        select(PasswordCheck.attempted_at)
        .where(
            PasswordCheck.purpose == lockout.purpose,
            PasswordCheck.succeeded.is_(False),
            PasswordCheck.attempted_at > now - lockout.window,
            *conditions,
        )
        .order_by(PasswordCheck.attempted_at.desc())
    )


def _locked_at(lockout: Lockout, limit: int, now: datetime, *conditions) -> datetime | None:
    """Return the oldest of the newest `limit` failures, if there are that many."""
    failures = db.session.scalars(_failures(lockout, now, *conditions).limit(limit)).all()
    return failures[-1] if len(failures) >= limit else None


def locked_until(
    lockout: Lockout, email: str, remote_addr: str = "", now: datetime | None = None
) -> datetime | None:
    """Return when the account may try again (from this address), or None if it may now."""
    now = now or utcnow()
    moments = [_locked_at(lockout, lockout.per_account, now, PasswordCheck.email == email)]
    if remote_addr:
        moments.append(
            _locked_at(
                lockout,
                lockout.per_account_and_address,
                now,
                PasswordCheck.email == email,
                PasswordCheck.remote_addr == remote_addr,
            )
        )
    found = [moment for moment in moments if moment is not None]
    return max(found) + lockout.window if found else None


def address_wait(lockout: Lockout, remote_addr: str, now: datetime | None = None) -> timedelta:
    """Return how long this address must still wait before its next attempt (often zero)."""
    if not remote_addr:
        return timedelta(0)
    now = now or utcnow()
    failures = db.session.scalar(
        select(func.count()).select_from(
            _failures(lockout, now, PasswordCheck.remote_addr == remote_addr).subquery()
        )
    )
    beyond = failures - lockout.address_slowed_after
    if beyond < 0:
        return timedelta(0)
    last = db.session.scalar(
        _failures(lockout, now, PasswordCheck.remote_addr == remote_addr).limit(1)
    )
    wait = min(timedelta(seconds=2**beyond), lockout.address_longest_wait)
    return max(timedelta(0), last + wait - now)


def refuse_if_locked(lockout: Lockout, email: str, remote_addr: str = "", **context) -> None:
    """Refuse with TooManyAttempts, before any password is looked at, while locked or slowed."""
    until = locked_until(lockout, email, remote_addr)
    if until is not None:
        raise TooManyAttempts(lockout.refusal.format(until=until), **context)
    wait = address_wait(lockout, remote_addr)
    if wait > timedelta(0):
        seconds = max(1, round(wait.total_seconds()))
        raise TooManyAttempts(SLOWED.format(seconds=seconds), retry_after=seconds, **context)


def record_check(
    lockout: Lockout, email: str, succeeded: bool, remote_addr: str = "", **context
) -> None:
    """Keep one password check, under the chain's lock; refuse it if a lock came meanwhile."""
    lock_chain()
    until = locked_until(lockout, email, remote_addr)
    if until is not None:
        raise TooManyAttempts(lockout.refusal.format(until=until), **context)
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
