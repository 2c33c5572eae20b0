"""`flask users`: accounts and API tokens."""

import sys

import click

from reviewapp.cli.common import fail_refused, user_by_email
from reviewapp.domain.declarations import declare
from reviewapp.domain.errors import DomainError
from reviewapp.domain.tokens import MAX_TOKEN_DAYS, issue_token, revoke_token
from reviewapp.domain.users import create_user
from reviewapp.extensions import db
from reviewapp.models import ApiToken
from reviewapp.rules.declarations import InterestKind, valid_until
from reviewapp.rules.specialties import CODES as SPECIALTY_CODES
from reviewapp.rules.states import Role

users_cli = click.Group("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name, as printed on reviews and signatures.")
@click.option("--credentials", default="", help="For example 'MD, oncologist'.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="Repeat for several roles.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--confirm-editor-and-board",
    "confirm_dual_review",
    is_flag=True,
    help="Confirm giving one account both the editor and the board role.",
)
def create_user_command(
    email: str,
    name: str,
    credentials: str,
    roles: tuple[str, ...],
    password_stdin: bool,
    confirm_dual_review: bool,
) -> None:
    """Create an account with one or more roles."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            None,
            email=email,
            name=name,
            credentials=credentials,
            roles=[Role(role) for role in roles],
            password=password,
            confirm_dual_review=confirm_dual_review,
        )
    except DomainError as error:
        fail_refused(None, error)
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. 'drafting pipeline'.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, MAX_TOKEN_DAYS),
    default=None,
    help=f"Days until the token stops working (1 to {MAX_TOKEN_DAYS}); without it, never.",
)
def token_command(email: str, name: str, expires_in_days: int | None) -> None:
    """Issue an API token for the account EMAIL and print its secret, once."""
    user = user_by_email(email)
    try:
        token, secret = issue_token(None, user, name, expires_in_days=expires_in_days)
    except DomainError as error:
        fail_refused(None, error)
    db.session.commit()
    expiry = (
        f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC"
        if token.expires_at
        else "never expires: revoke it with 'flask users revoke-token' when it is done"
    )
    # Only the secret goes to standard output, so that a script can capture it alone.
    click.echo(
        f"Token {token.id} for {user.email} ({token.prefix}…), {expiry}. "
        "Store the secret now: it is not shown again.",
        err=True,
    )
    click.echo(secret)


@users_cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke the API token TOKEN_ID; it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"No API token {token_id}.")
    try:
        revoke_token(None, token)
    except DomainError as error:
        fail_refused(None, error)
    db.session.commit()
    click.echo(f"Revoked token {token.id} of {token.user.email} ({token.prefix}…).")


@users_cli.command("declare")
@click.argument("email")
@click.option(
    "--kind",
    required=True,
    type=click.Choice([kind.value for kind in InterestKind]),
    help="'none', or the kind of interest declared.",
)
@click.option("--text", default="", help="For an interest: with whom, what it is, since when.")
@click.option(
    "--specialty",
    "specialty_codes",
    multiple=True,
    type=click.Choice(SPECIALTY_CODES),
    help="A specialty the interest concerns; repeat for several.",
)
def declare_command(email: str, kind: str, text: str, specialty_codes: tuple[str, ...]) -> None:
    """Record the declaration of interests that the editor or board member EMAIL made (on a
    signed form, for example): it supersedes theirs and is valid for 12 months."""
    user = user_by_email(email)
    try:
        declaration = declare(None, user, kind=kind, text=text, specialty_codes=specialty_codes)
    except DomainError as error:
        fail_refused(None, error)
    db.session.commit()
    concerning = f" concerning {', '.join(specialty_codes)}" if specialty_codes else ""
    click.echo(
        f"Recorded {user.email}'s declaration: {InterestKind(kind).label}{concerning}, "
        f"valid until {valid_until(declaration.declared_at):%Y-%m-%d}."
    )
