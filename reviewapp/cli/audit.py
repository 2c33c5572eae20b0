"""`flask audit`: verify the hash chain against its signed checkpoints, sign one, export the
trail, and create the signing key."""

import json
import sys
import time
from pathlib import Path

import click
from sqlalchemy import func, select

from reviewapp.domain import integrity
from reviewapp.domain.audit import event_batches, subject_problems
from reviewapp.domain.checkpoints import (
    SavedCopyUnreadable,
    SigningKeyUnavailable,
    Verification,
    create_key_file,
    key_file,
    key_id,
    public_key_pem,
    read_saved_copy,
    record_checkpoint,
    verify_trail,
)
from reviewapp.extensions import db
from reviewapp.models import AuditEvent
from reviewapp.rules.limits import MAX_ID
from reviewapp.text.spreadsheet import SafeDictWriter

audit_cli = click.Group("audit", help="Verify, checkpoint and export the audit trail.")
EXPORT_FIELDS = [column.name for column in AuditEvent.__table__.columns]


@audit_cli.command("verify")
@click.option(
    "--checkpoints",
    "saved_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A saved copy of /transparency/checkpoints to check the trail against too.",
)
def verify_command(saved_file: Path | None) -> None:
    """Walk the hash chain from the first event and check it against the signed checkpoints.

    Names the first broken event, and every checkpoint the trail no longer matches: one whose
    signature fails, or whose event is gone or hashes differently (a rewritten or cut trail).
    With --checkpoints FILE, the checkpoints saved there are checked too, with the public key
    saved beside them: that also catches a trail emptied together with its checkpoints.
    Every row of the index tying events to their section and version is checked against
    what the events record.
    """
    saved = None
    if saved_file is not None:
        try:
            saved = read_saved_copy(saved_file.read_text(encoding="utf-8"))
        except (SavedCopyUnreadable, UnicodeDecodeError) as error:
            raise click.ClickException(f"Cannot check against {saved_file}: {error}.") from error
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    started = time.perf_counter()
    try:
        with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
            verification = verify_trail(progress=bar.update, saved=saved)
    except SigningKeyUnavailable as error:
        raise click.ClickException(str(error)) from error
    elapsed = time.perf_counter() - started
    checked = verification.walk.checked
    rate = checked / elapsed if elapsed > 0 else float(checked)
    failures = [problem.message for problem in verification.problems]
    # The trail vouches for what happened; the stored text must still be what was signed.
    mismatches = [*integrity.scan(), *integrity.scan_projections()]
    failures += [
        f"Stored text altered: {mismatch.message} It is shown as unavailable pending verification."
        for mismatch in mismatches
    ]
    # The index that ties events to sections must say what the hashed events say.
    subjects, subject_breaks = subject_problems()
    failures += [
        f"Audit subject index wrong at event {problem.event_id}: {problem.reason}. "
        "Filtering the trail by section or version would misreport it."
        for problem in subject_breaks
    ]
    if (broken := verification.broken) is not None:
        failures.insert(
            0,
            f"Audit chain broken at event {broken.event_id}: {broken.reason}. "
            f"{checked} events before it are intact.",
        )
    if failures:
        raise click.ClickException("\n".join(failures))
    click.echo(
        f"Audit chain intact: {checked} events verified in {elapsed:.2f} s ({rate:,.0f} events/s)."
    )
    click.echo("Stored text intact: every version's text and HTML match its content hash.")
    click.echo(
        f"Subject index intact: {subjects} events tied to their version, section and article, "
        "as the events record."
    )
    for line in checkpoint_summary(verification):
        click.echo(line)


def checkpoint_summary(verification: Verification) -> list[str]:
    """Say what the checkpoints vouched for, once every one of them held."""
    lines = []
    if verification.stored:
        newest = verification.stored[-1]
        unvouched = verification.walk.checked - newest.event_count
        lines.append(
            f"Checkpoints intact: {len(verification.stored)} signatures verified with key "
            f"{verification.key_id[:16]}…; the newest, checkpoint {newest.id}, vouches for "
            f"event {newest.event_id} ({newest.event_count} events)"
            + (f", and {unvouched} newer events rest on their hashes alone." if unvouched else ".")
        )
    else:
        lines.append(
            "No checkpoints yet: the trail rests on its own hashes alone "
            "(`flask audit checkpoint` signs one)."
        )
    if verification.saved_key_id is not None:
        lines.append(
            f"Saved copy intact: {len(verification.saved)} checkpoints verified with its key "
            f"{verification.saved_key_id[:16]}…, each present in the database."
        )
    return lines


@audit_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the chain's head now, as every publication does."""
    try:
        checkpoint = record_checkpoint()
    except SigningKeyUnavailable as error:
        raise click.ClickException(str(error)) from error
    if checkpoint is None:
        raise click.ClickException("The audit trail is empty: there is nothing to sign yet.")
    db.session.commit()
    click.echo(
        f"Checkpoint {checkpoint.id} signed: event {checkpoint.event_id} "
        f"({checkpoint.event_count} events), key {checkpoint.key_id[:16]}…."
    )


@audit_cli.command("keygen")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to create; AUDIT_SIGNING_KEY_FILE by default.",
)
def keygen_command(output: Path | None) -> None:
    """Create the Ed25519 key that signs checkpoints, readable by its owner only.

    Never replaces a file: checkpoints signed with the key it holds could no longer be checked.
    Prints the public key, which /transparency/public-key publishes too.
    """
    path = output or key_file()
    try:
        key = create_key_file(path)
    except FileExistsError as error:
        raise click.ClickException(
            f"{path} exists already, and a signing key is never replaced: checkpoints signed "
            f"with it could no longer be checked. Name another file with --output."
        ) from error
    except OSError as error:
        raise click.ClickException(f"Cannot create {path}: {error.strerror}.") from error
    click.echo(
        f"Created {path} (mode 600), key id {key_id(key.public_key())}. Keep a copy somewhere "
        f"safe, and set AUDIT_SIGNING_KEY_FILE={path} on every server.",
        err=True,
    )
    click.echo(public_key_pem(key.public_key()), nl=False)


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
