"""`flask content import|export`: articles as files."""

from pathlib import Path

import click
from sqlalchemy import select

from reviewapp.cli.common import fail_refused, user_by_email
from reviewapp.domain.content import export_article, import_article
from reviewapp.domain.errors import DomainError
from reviewapp.extensions import db
from reviewapp.models import Article
from reviewapp.text.content_files import ContentError, article_folders, read_article, write_article

content_cli = click.Group("content", help="Import and export articles as files.")


@content_cli.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--as", "email", required=True, help="Account the new versions are attributed to.")
@click.option("--change-summary", default="", help="Reason for changes to parts approved before.")
@click.option(
    "--public-note",
    default=None,
    help="What readers are told changed, for each changed section's wording (the public "
    "changelog); without it the changelog shows a neutral line.",
)
def import_command(path: Path, email: str, change_summary: str, public_note: str | None) -> None:
    """Import the article folder at PATH, or every article folder under it."""
    actor = user_by_email(email)
    try:
        articles = [read_article(folder) for folder in article_folders(path)]
    except ContentError as error:
        raise click.ClickException(f"Nothing imported. {error}") from None
    for files in articles:
        try:
            report = import_article(
                actor, files, change_summary=change_summary, public_note=public_note
            )
        except DomainError as error:
            fail_refused(actor, error)
        db.session.commit()
        if not report.changed_anything:
            click.echo(f"{files.slug}: unchanged")
            continue
        created = "created" if report.created_article else "updated"
        click.echo(f"{files.slug}: {created}; submitted for review:")
        for version in report.versions:
            if version.is_wording:
                what = f"version {version.number} of {version.section.key} ({version.audience})"
            else:
                what = f"{version.kind_enum.label} version {version.number} ({version.heading})"
            click.echo(f"  {what}, {version.workflow_state.label} (id {version.id})")


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
