"""`flask outbox`: deliver the mail the outbox holds, and show what could not be sent."""

import os
import signal
import smtplib
import socket
import time
import uuid

import click
from sqlalchemy import func, select

from reviewapp.domain import outbox
from reviewapp.extensions import db
from reviewapp.models import OutboxMessage
from reviewapp.models.notification import FAILED
from reviewapp.rules.clock import utcnow

outbox_cli = click.Group("outbox", help="Deliver the email that notifications wrote.")


def deliver_round(worker: str, batch_size: int) -> outbox.Round:
    """Claim a batch, commit the claim, send each message and commit how it went.

    The claim is committed before anything is sent, and each outcome right after its send:
    a worker that dies loses at most the outcome of the message it was sending, which goes
    again once its claim lapses.
    """
    done = outbox.Round()
    outbox.give_up_abandoned()
    ids = outbox.claim(worker, batch_size)
    db.session.commit()
    if not ids:
        return done
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    ).all()
    with outbox.transport() as sender:
        for message in messages:
            try:
                sender.send(outbox.email_for(message))
            except (OSError, smtplib.SMTPException) as error:
                reason = f"{type(error).__name__}: {error}"
                if outbox.mark_refused(message, worker, reason, utcnow()):
                    done.failed.append((message.id, reason))
                else:
                    done.retrying.append((message.id, reason))
            else:
                outbox.mark_sent(message.id, worker)
                done.sent.append(message.id)
            db.session.commit()
    return done


def _report(done: outbox.Round) -> None:
    if not done.claimed:
        return
    click.echo(
        f"Sent {len(done.sent)}, will retry {len(done.retrying)}, failed {len(done.failed)}."
    )
    for message_id, reason in done.retrying:
        click.echo(f"  message {message_id} refused, will retry: {reason}")
    for message_id, reason in done.failed:
        click.echo(f"  message {message_id} FAILED, no more attempts: {reason}", err=True)


@outbox_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering until stopped (SIGTERM or Ctrl-C).")
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds to wait when nothing is due."
)
@click.option(
    "--batch",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="Messages claimed at a time.",
)
def deliver_command(loop: bool, interval: float, batch: int) -> None:
    """Send the due messages of the outbox: by SMTP to MAIL_URL, else as .eml files in MAIL_DIR.

    Each message is claimed by one worker at a time; a refused one is retried later with
    back-off, and failed after OUTBOX_MAX_ATTEMPTS attempts. Without --loop, delivers what is
    due and exits.
    """
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    if loop:
        signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            done = deliver_round(worker, batch)
            _report(done)
            # A full batch means more may be due now; a message refused in this run waits
            # for the next one, however short its back-off.
            if done.claimed == batch:
                continue
            if not loop:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        db.session.rollback()
    if not loop:
        _report_totals()


def _report_totals() -> None:
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ).all()
    )
    summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
    click.echo(f"Outbox: {summary or 'empty'}.")


@outbox_cli.command("failed")
def failed_command() -> None:
    """List the messages that were given up on, newest first, with their last error."""
    failed = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(200)
    ).all()
    if not failed:
        click.echo("No failed messages.")
        return
    for message in failed:
        click.echo(
            f"{message.id}\t{message.recipient_email}\t{message.attempts} attempts\t"
            f"{message.subject}\t{message.last_error}"
        )
