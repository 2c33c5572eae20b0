"""`flask outbox deliver` against a real SMTP server (aiosmtpd) started by each test."""

import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from reviewapp.domain import outbox
from reviewapp.extensions import db
from reviewapp.models import Notification, OutboxMessage
from reviewapp.models.notification import FAILED, PENDING, SENT
from reviewapp.rules.clock import utcnow
from tests.conftest import NO_POSTGRES, postgres_url, require


class Mailbox:
    """An SMTP handler that keeps what it accepts, and refuses the first `refusals` DATA."""

    def __init__(self, refusals: int = 0) -> None:
        self.refusals = refusals
        self.received: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        if self.refusals:
            self.refusals -= 1
            return "451 4.3.0 Try again later"
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app) -> Iterator[Callable[..., Mailbox]]:
    """Start an SMTP server on a free port and point MAIL_URL at it."""
    running: list[Controller] = []

    def start(refusals: int = 0) -> Mailbox:
        mailbox = Mailbox(refusals)
        port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        running.append(controller)
        app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
        return mailbox

    yield start
    for controller in running:
        controller.stop()


def deliver(runner, *options: str):
    result = runner.invoke(args=["outbox", "deliver", *options])
    assert result.exit_code == 0, result.output
    return result


def outbox_message(**values) -> OutboxMessage:
    now = utcnow()
    message = OutboxMessage(
        recipient_email="someone@example.org",
        subject="[reviewapp] Something happened",
        body="Something happened.\n",
        created_at=now,
        next_attempt_at=now,
        **values,
    )
    db.session.add(message)
    db.session.commit()
    return message


def statuses() -> dict[str, int]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ).all()
    )


def test_deliver_sends_one_message_per_notification_and_nothing_twice(
    runner, smtp_server, make_article
):
    make_article()  # the import and the parts' approvals tell the editor and the board
    mailbox = smtp_server()
    told = db.session.execute(
        select(Notification.message, func.count(Notification.id)).group_by(Notification.message)
    ).all()
    assert told
    result = deliver(runner)
    total = sum(count for _, count in told)
    assert f"Sent {total}, will retry 0, failed 0." in result.output
    assert len(mailbox.received) == total
    subjects = sorted(email["Subject"] for email in mailbox.received)
    assert subjects == sorted(
        f"[reviewapp] {message}" for message, count in told for _ in range(count)
    )
    email = mailbox.received[0]
    assert email["From"] == "reviewapp <noreply@localhost>"
    assert email["Message-ID"].startswith("<outbox.")
    assert "http://localhost:5000/" in email.get_content()
    assert statuses() == {SENT: total}
    # Run again: nothing is due, nothing is sent again.
    deliver(runner)
    assert len(mailbox.received) == total


def test_a_message_refused_once_is_retried_on_the_next_run(app, runner, smtp_server):
    app.config["OUTBOX_RETRY_SECONDS"] = 0
    mailbox = smtp_server(refusals=1)
    message = outbox_message()
    first = deliver(runner)
    assert "will retry 1" in first.output
    assert mailbox.received == []
    db.session.expire_all()
    refused = db.session.get(OutboxMessage, message.id)
    assert (refused.status, refused.attempts, refused.claimed_at) == (PENDING, 1, None)
    assert "451" in refused.last_error
    deliver(runner)
    assert [email["Subject"] for email in mailbox.received] == [message.subject]
    assert statuses() == {SENT: 1}


def test_a_refused_message_waits_out_its_back_off(app, runner, smtp_server):
    mailbox = smtp_server(refusals=1)
    message = outbox_message()
    deliver(runner)
    deliver(runner)
    assert mailbox.received == []
    db.session.expire_all()
    waiting = db.session.get(OutboxMessage, message.id)
    assert waiting.next_attempt_at - utcnow() > timedelta(seconds=50)
    base = timedelta(seconds=60)
    assert [outbox.retry_delay(n, base).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert outbox.retry_delay(30, base) == outbox.MAX_RETRY_DELAY


def test_a_message_is_given_up_after_the_last_attempt_and_listed(app, runner, smtp_server):
    app.config.update(OUTBOX_RETRY_SECONDS=0, OUTBOX_MAX_ATTEMPTS=2)
    smtp_server(refusals=5)
    message = outbox_message()
    deliver(runner)
    last = deliver(runner)
    assert f"message {message.id} FAILED" in last.output
    assert statuses() == {FAILED: 1}
    deliver(runner)
    assert statuses() == {FAILED: 1}
    listed = runner.invoke(args=["outbox", "failed"]).output
    assert message.recipient_email in listed
    assert "451" in listed


def test_a_claim_left_by_a_dead_worker_lapses_and_the_message_goes(app, runner, smtp_server):
    mailbox = smtp_server()
    lease = timedelta(seconds=app.config["OUTBOX_CLAIM_LEASE_SECONDS"])
    abandoned = outbox_message(claimed_at=utcnow() - 2 * lease, claimed_by="dead", attempts=1)
    held = outbox_message(claimed_at=utcnow(), claimed_by="busy elsewhere", attempts=1)
    deliver(runner)
    assert [email["Subject"] for email in mailbox.received] == [abandoned.subject]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, abandoned.id).attempts == 2
    assert db.session.get(OutboxMessage, held.id).status == PENDING


def test_each_message_is_claimed_once(app):
    first, second = outbox_message(), outbox_message()
    assert outbox.claim("worker-a", 10) == [first.id, second.id]
    db.session.commit()
    assert outbox.claim("worker-b", 10) == []


def test_without_mail_url_each_message_is_written_as_an_eml_file(app, runner, tmp_path):
    app.config.update(MAIL_URL=None, MAIL_DIR=str(tmp_path / "mail"))
    outbox_message(), outbox_message()
    deliver(runner)
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    written = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert written["To"] == "someone@example.org"
    assert statuses() == {SENT: 2}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "none", None, None)),
        (
            "smtp://mail.example.org:2525?starttls=1",
            ("mail.example.org", 2525, "starttls", None, None),
        ),
        (
            "smtp+starttls://u%40x:p%3Aw@mail.example.org",
            ("mail.example.org", 587, "starttls", "u@x", "p:w"),
        ),
        (
            "smtps://user:secret@mail.example.org",
            ("mail.example.org", 465, "implicit", "user", "secret"),
        ),
    ],
)
def test_mail_url_names_server_tls_and_credentials(url, expected):
    server = outbox.SmtpServer.from_url(url)
    assert (server.host, server.port, server.tls, server.username, server.password) == expected


def test_a_mail_url_of_another_scheme_is_refused():
    with pytest.raises(ValueError, match="MAIL_URL must look like"):
        outbox.SmtpServer.from_url("http://mail.example.org")


def test_two_workers_claiming_at_once_get_different_messages(app):
    if db.engine.dialect.name != "postgresql":
        if postgres_url():
            pytest.skip("SKIP LOCKED runs in the PostgreSQL pass of the suite (TEST_DATABASE_URL)")
        require("REQUIRE_POSTGRES", NO_POSTGRES)
    ids = {outbox_message().id for _ in range(5)}
    with app.app_context():
        # Worker A's claim is not committed yet: its rows stay locked.
        first = outbox.claim("worker-a", 2)
        with app.app_context():
            # Worker B must not wait for A: SKIP LOCKED passes over A's rows.
            db.session.execute(db.text("SET LOCAL lock_timeout = '2s'"))
            second = outbox.claim("worker-b", 10)
            db.session.commit()
        db.session.commit()
    assert len(first) == 2
    assert set(first).isdisjoint(second)
    assert set(first) | set(second) == ids
