"""The mail outbox: messages written with the change they tell of, delivered by a worker
(`flask outbox deliver`, reviewapp/cli/outbox.py).

A worker claims a batch of due messages and commits the claim before sending anything, so
two workers never send the same message; then it marks each message sent, or schedules its
next attempt with exponential back-off, giving up after a number of attempts. A claim is a
lease: a worker that dies mid-send leaves a claim that lapses, and the message is tried
again (it may then arrive twice, never zero times; its Message-ID lets a mail client tell).

On PostgreSQL claiming is `SELECT … FOR UPDATE SKIP LOCKED`: concurrent workers each get
other rows without waiting. SQLite has one writer at a time, so a single UPDATE claims.
"""

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import and_, or_, select, update

from reviewapp.extensions import db
from reviewapp.models import OutboxMessage
from reviewapp.models.notification import FAILED, PENDING, SENT
from reviewapp.rules.clock import utcnow

# The longest wait between two attempts, however many have failed.
MAX_RETRY_DELAY = timedelta(days=1)
ERROR_LIMIT = 2000
SINGLE_LINE_HEADERS = policy.default.clone(max_line_length=998)


@dataclass
class Round:
    """What one delivery round did."""

    sent: list[int] = field(default_factory=list)
    retrying: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)


def _settings() -> tuple[timedelta, timedelta, int]:
    config = current_app.config
    return (
        timedelta(seconds=config["OUTBOX_CLAIM_LEASE_SECONDS"]),
        timedelta(seconds=config["OUTBOX_RETRY_SECONDS"]),
        config["OUTBOX_MAX_ATTEMPTS"],
    )


def _claimable(now: datetime, lease: timedelta):
    return and_(
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - lease),
    )


def give_up_abandoned(now: datetime | None = None) -> int:
    """Fail the messages whose last allowed attempt died mid-send (its claim lapsed)."""
    now = now or utcnow()
    lease, _, max_attempts = _settings()
    result = db.session.execute(
        update(OutboxMessage)
        .where(_claimable(now, lease), OutboxMessage.attempts >= max_attempts)
        .values(
            status=FAILED,
            claimed_at=None,
            last_error="The worker stopped while sending, on the last attempt allowed.",
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def claim(worker: str, limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due messages for `worker`, counting an attempt on each; return
    their ids. The caller commits the claim before sending."""
    now = now or utcnow()
    lease, _, max_attempts = _settings()
    due = and_(_claimable(now, lease), OutboxMessage.attempts < max_attempts)
    claimed = {
        "claimed_at": now,
        "claimed_by": worker,
        "attempts": OutboxMessage.attempts + 1,
    }
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(
            db.session.scalars(
                select(OutboxMessage.id)
                .where(due)
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(**claimed)
                .execution_options(synchronize_session=False)
            )
        return ids
    # SQLite serialises writers: the subquery and the update are one statement of one writer.
    chosen = select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit)
    return sorted(
        db.session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chosen.scalar_subquery()))
            .values(**claimed)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )


def _still_mine(message_id: int, worker: str):
    # A claim that lapsed and was taken by another worker is theirs to settle now.
    return and_(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)


def mark_sent(message_id: int, worker: str, now: datetime | None = None) -> None:
    """Record that `worker` sent the message."""
    db.session.execute(
        update(OutboxMessage)
        .where(_still_mine(message_id, worker))
        .values(status=SENT, sent_at=now or utcnow(), last_error="")
        .execution_options(synchronize_session=False)
    )


def retry_delay(attempts: int, base: timedelta) -> timedelta:
    """Return how long to wait after the `attempts`-th failed attempt: doubling, capped."""
    return min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def mark_refused(message: OutboxMessage, worker: str, error: str, now: datetime) -> bool:
    """Schedule the message's next attempt, or fail it after the last; return True if failed."""
    _, base, max_attempts = _settings()
    gave_up = message.attempts >= max_attempts
    values = {"last_error": error[:ERROR_LIMIT], "claimed_at": None}
    if gave_up:
        values["status"] = FAILED
    else:
        values["next_attempt_at"] = now + retry_delay(message.attempts, base)
    db.session.execute(
        update(OutboxMessage)
        .where(_still_mine(message.id, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return gave_up


# --- Transports ------------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, email: EmailMessage) -> None: ...


class MailDirectory:
    """Development: write each message as an .eml file instead of sending it."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, email: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = email["Message-ID"].strip("<>").replace("@", "-at-")
        (self.directory / f"{name}.eml").write_bytes(email.as_bytes())


@dataclass(frozen=True)
class SmtpServer:
    """Where MAIL_URL says to send: host, port, TLS mode and credentials."""

    host: str
    port: int
    tls: str  # "none", "starttls" or "implicit"
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> "SmtpServer":
        """Read smtp://, smtp+starttls:// (or smtp://…?starttls=1) and smtps:// URLs."""
        parts = urlsplit(url)
        starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        tls = {"smtp": "starttls" if starttls else "none", "smtp+starttls": "starttls"}.get(
            parts.scheme, "implicit" if parts.scheme == "smtps" else ""
        )
        if not tls or not parts.hostname:
            raise ValueError(
                f"MAIL_URL must look like smtp://host:port, smtp+starttls://host:port or "
                f"smtps://user:password@host:port, not {parts.scheme}://…"
            )
        default_port = {"none": 25, "starttls": 587, "implicit": 465}[tls]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class SmtpTransport:
    """Send over one SMTP connection, opened on the first message of a round."""

    def __init__(self, server: SmtpServer, timeout: float) -> None:
        self.server = server
        self.timeout = timeout
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        server, context = self.server, ssl.create_default_context()
        if server.tls == "implicit":
            connection = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            if server.tls == "starttls":
                connection.starttls(context=context)
        if server.username:
            connection.login(server.username, server.password or "")
        return connection

    def send(self, email: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(email)
        except smtplib.SMTPServerDisconnected:
            self.connection = None
            raise
        except smtplib.SMTPResponseException:
            # The server refused this message; the session is reset for the next one.
            self.connection.rset()
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except smtplib.SMTPException:
                self.connection.close()
            self.connection = None


@contextmanager
def transport() -> Iterator[Transport]:
    """Yield the configured transport: SMTP when MAIL_URL is set, else the mail directory."""
    config = current_app.config
    if not config.get("MAIL_URL"):
        yield MailDirectory(config["MAIL_DIR"])
        return
    smtp = SmtpTransport(SmtpServer.from_url(config["MAIL_URL"]), config["MAIL_TIMEOUT_SECONDS"])
    try:
        yield smtp
    finally:
        smtp.close()


def email_for(message: OutboxMessage) -> EmailMessage:
    """Build the email of one outbox message; its Message-ID is the same at every attempt."""
    config = current_app.config
    # Folded subjects lose the space between two encoded words (“Front matter” arrives as
    # “Frontmatter”); a subject fits one line of the 998 characters RFC 5322 allows.
    email = EmailMessage(policy=SINGLE_LINE_HEADERS)
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient_email
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    domain = urlsplit(config["SITE_URL"]).hostname or "localhost"
    written = f"{message.created_at:%Y%m%d%H%M%S}"
    email["Message-ID"] = f"<outbox.{message.id}.{written}@{domain}>"
    email.set_content(message.body)
    return email
