"""What every command shares: refusing with an audited message, finding an account."""

import click
from sqlalchemy import select

from reviewapp.domain import audit
from reviewapp.domain.errors import DomainError
from reviewapp.extensions import db
from reviewapp.models import User


def fail_refused(actor: User | None, error: DomainError) -> None:
    """Roll back, audit the refusal, and stop the command with its message."""
    audit.settle_refusal(actor, error)
    db.session.commit()
    raise click.ClickException(error.message)


def user_by_email(email: str) -> User:
    """Return the account with this email, or stop the command saying there is none."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user
