"""`flask audit`: verify the hash chain and export the trail."""

import json
import sys
import time
from pathlib import Path

import click
from sqlalchemy import func, select

from reviewapp.domain.audit import event_batches, verify_chain
from reviewapp.extensions import db
from reviewapp.models import AuditEvent
from reviewapp.rules.limits import MAX_ID
from reviewapp.text.spreadsheet import SafeDictWriter

audit_cli = click.Group("audit", help="Verify and export the audit trail.")
EXPORT_FIELDS = [column.name for column in AuditEvent.__table__.columns]


@audit_cli.command("verify")
def verify_command() -> None:
    """Walk the hash chain from the first event and name the first broken one."""
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    started = time.perf_counter()
    with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
        checked, broken = verify_chain(progress=bar.update)
    elapsed = time.perf_counter() - started
    rate = checked / elapsed if elapsed > 0 else float(checked)
    if broken is not None:
        raise click.ClickException(
            f"Audit chain broken at event {broken.event_id}: {broken.reason}. "
            f"{checked} events before it are intact."
        )
    click.echo(
        f"Audit chain intact: {checked} events verified in {elapsed:.2f} s ({rate:,.0f} events/s)."
    )


@audit_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write; standard output by default.",
)
@click.option(
    "--after", type=click.IntRange(0, MAX_ID), default=0, help="Only events with a larger id."
)
def export_command(fmt: str, output: Path | None, after: int) -> None:
    """Write every event, oldest first, as CSV or JSON lines.

    A CSV cell that a spreadsheet would run as a formula (one starting with = + - @, a tab or
    a carriage return) starts with an apostrophe instead; JSON lines keep every value as is.
    """
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        count = write_events(stream, fmt, after=after)
    finally:
        if output:
            stream.close()
    if output:
        click.echo(f"Exported {count} events to {output}.", err=True)


def event_rows(after: int = 0):
    """Yield events as dicts in id order."""
    for rows in event_batches(after):
        for row in rows:
            record = row._asdict()
            record["occurred_at"] = record["occurred_at"].isoformat()
            yield record


def write_events(stream, fmt: str, after: int = 0) -> int:
    """Write events to a text stream; return how many."""
    count = 0
    writer = SafeDictWriter(stream, fieldnames=EXPORT_FIELDS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for record in event_rows(after):
        if writer:
            writer.writerow(record)
        else:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
