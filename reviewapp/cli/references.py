"""`flask references retractions FILE`: mark cited sources that a retraction list names."""

import csv
from pathlib import Path

import click

from reviewapp.domain.errors import DomainError
from reviewapp.domain.retractions import import_retractions, read_list
from reviewapp.extensions import db

references_cli = click.Group("references", help="Check the sources articles cite.")

# A retraction list's rows are short; one this long is not a list of works.
FIELD_LIMIT = 1_000_000


@references_cli.command("retractions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--list-name",
    default=None,
    help="What to call the list in the record (default: the file's name), e.g. "
    "'Retraction Watch 2025-06-01'.",
)
def retractions_command(path: Path, list_name: str | None) -> None:
    """Read the retracted or withdrawn works listed in the CSV file at PATH.

    The file has a header row with a `doi` and/or a `pmid` column (any case; Retraction
    Watch's OriginalPaperDOI and OriginalPaperPubMedID are read too, and RetractionDOI as the
    notice). Each reference citing a listed work is marked retracted, every published
    wording that cites it becomes review due ("cited source retracted"), and the editors and
    the board are told. Reading the same list again changes nothing.
    """
    csv.field_size_limit(FIELD_LIMIT)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            listed = read_list(list(reader.fieldnames or []), reader)
    except UnicodeDecodeError:
        raise click.ClickException(f"{path.name} is not UTF-8 text: nothing was read.") from None
    except csv.Error as error:
        raise click.ClickException(f"{path.name} is not a readable CSV file: {error}.") from None
    except DomainError as error:
        raise click.ClickException(f"Nothing was read. {error.message}") from None
    report = import_retractions(list_name or path.name, listed)
    db.session.commit()
    click.echo(f"{report.rows} listed work{'s' if report.rows != 1 else ''} read.")
    for mark in report.marked:
        reference = mark.reference
        click.echo(
            f"Marked retracted: {reference.article.slug} [{reference.key}] "
            f"({mark.matched_on} {mark.identifier})"
        )
    for version in report.made_due:
        click.echo(f"  review due: {version.part_label}, Version {version.number}")
    if report.already_marked:
        click.echo(f"{report.already_marked} cited source(s) were already marked retracted.")
    if not report.marked:
        click.echo("Nothing changed.")
