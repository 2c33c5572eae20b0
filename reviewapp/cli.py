"""Command-line interface under `flask`: content, users, demo."""

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from reviewapp.content_files import ContentError, article_folders, read_article, write_article
from reviewapp.domain import audit
from reviewapp.domain.content import export_article, import_article
from reviewapp.domain.errors import DomainError
from reviewapp.domain.states import Role
from reviewapp.domain.tokens import issue_token, revoke_token
from reviewapp.domain.users import create_user
from reviewapp.extensions import db
from reviewapp.models import ApiToken, Article, User

content_cli = click.Group("content", help="Import and export articles as files.")
users_cli = click.Group("users", help="Manage accounts.")


def fail_refused(actor: User | None, error: DomainError) -> None:
    """Roll back, audit the refusal, and stop the command with its message."""
    db.session.rollback()
    audit.record_refusal(actor, error)
    db.session.commit()
    raise click.ClickException(error.message)


def user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user


@content_cli.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--as", "email", required=True, help="Account the new versions are attributed to.")
@click.option("--change-summary", default="", help="Reason for changes to approved sections.")
def import_command(path: Path, email: str, change_summary: str) -> None:
    """Import the article folder at PATH, or every article folder under it."""
    actor = user_by_email(email)
    try:
        articles = [read_article(folder) for folder in article_folders(path)]
    except ContentError as error:
        raise click.ClickException(f"Nothing imported. {error}") from None
    for files in articles:
        try:
            report = import_article(actor, files, change_summary=change_summary)
        except DomainError as error:
            fail_refused(actor, error)
        db.session.commit()
        if not report.changed_anything:
            click.echo(f"{files.slug}: unchanged")
            continue
        click.echo(f"{files.slug}: {'created' if report.created_article else 'updated'}")
        for change in report.changes:
            click.echo(f"  {change}")
        for version in report.versions:
            click.echo(
                f"  version {version.number} of {version.section.key} ({version.audience}), "
                f"{version.workflow_state.label}"
            )


@content_cli.command("export")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--slug", default=None, help="Export only this article.")
def export_command(path: Path, slug: str | None) -> None:
    """Write every article (newest wording of each section) under PATH."""
    query = select(Article).order_by(Article.slug)
    if slug:
        query = query.where(Article.slug == slug)
    articles = db.session.scalars(query).all()
    if not articles:
        raise click.ClickException("No article to export.")
    for article in articles:
        write_article(path / article.slug, export_article(article))
        click.echo(f"{article.slug}: written to {path / article.slug}")


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
def create_user_command(
    email: str, name: str, credentials: str, roles: tuple[str, ...], password_stdin: bool
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
        )
    except DomainError as error:
        fail_refused(None, error)
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. 'drafting pipeline'.")
def token_command(email: str, name: str) -> None:
    """Issue an API token for the account EMAIL and print its secret, once."""
    user = user_by_email(email)
    try:
        token, secret = issue_token(None, user, name)
    except DomainError as error:
        fail_refused(None, error)
    db.session.commit()
    # Only the secret goes to standard output, so that a script can capture it alone.
    click.echo(
        f"Token {token.id} for {user.email} ({token.prefix}…). "
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


@click.command("demo")
def demo_command() -> None:
    """Create demo accounts and the seed article in every workflow state (safe to repeat)."""
    from reviewapp.demo import load_demo

    content_dir = Path(current_app.config["CONTENT_DIR"])
    try:
        summary = load_demo(content_dir)
    except ContentError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(summary)


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
