"""Tell a worker, without a query, whether the article table may have changed since it looked.

Every reader's request needs the article's public revision (the page cache key and the ETag
hang on it). Reading it costs a database round trip per request, which is most of what a
cached page costs. Instead each worker remembers the states it read together with a change
token, and reads again only when the token moved:

- on PostgreSQL a trigger on `article` sends a NOTIFY that a listener thread in each worker
  counts, so a change made by any worker or host moves every worker's token within the
  notification's delivery time (under a millisecond here, benchmarks/signal_delay.py);
- on an SQLite file, what SQLite moves on every commit, read with one `pread`: in WAL mode
  (the default here, models/connections.py) the WAL index's transaction counter in the
  `-shm` file every connection maps; in rollback-journal mode the header's change counter
  (a file copied over the database by hand is noticed within a second);
- a commit in this process moves the token at once, before any notification arrives.

When the signal cannot be trusted (listener not connected, or its own echo NOTIFY did not
come back within a round; SQLite in memory) `token()` answers None and
callers read the database as before.
"""

import logging
import os
import secrets
import threading
import time
from collections.abc import Hashable
from typing import Protocol

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "reviewapp_article_changed"
SQLITE_MAGIC = b"SQLite format 3\x00"
# How often the listener proves that notifications still reach it: a silently dropped
# connection would otherwise keep old page states for as long as TCP takes to notice.
LIVENESS_SECONDS = 2.0
RECONNECT_SECONDS = 1.0
MAX_RECONNECT_SECONDS = 30.0
REPLACEMENT_CHECK_SECONDS = 1.0


class ChangeSignal(Protocol):
    kind: str

    def token(self) -> Hashable | None:
        """Return a value that moves whenever article rows may have changed; None if unknown."""


class NoSignal:
    """Nothing to watch (an in-memory database): every caller reads the database."""

    kind = "none"

    def token(self) -> None:
        return None


class _WatchedFile:
    """A read-only descriptor on a file that may be replaced (or, for -shm, recreated)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.descriptor: int | None = None
        self.inode: int | None = None
        self._checked_at = 0.0

    def read(self, length: int) -> bytes:
        if self.descriptor is None or self._replaced():
            self._reopen()
        return os.pread(self.descriptor, length, 0)

    def _replaced(self) -> bool:
        """Return whether another file took this name (copied over it, or recreated).

        Checked at most once a second: the pool's own SQLite connections keep reading the
        old file in that case too, so a tighter check would buy nothing.
        """
        now = time.monotonic()
        if now - self._checked_at < REPLACEMENT_CHECK_SECONDS:
            return False
        self._checked_at = now
        return os.fstat(self.descriptor).st_nlink == 0

    def _reopen(self) -> None:
        self.close()
        self._checked_at = time.monotonic()
        self.descriptor = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        self.inode = os.fstat(self.descriptor).st_ino

    def close(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)
        self.descriptor = self.inode = None


class SqliteChangeCounter:
    """What SQLite moves on every commit: the file header's change counter, or in WAL mode
    the transaction counter of the WAL index (the -shm file every connection shares)."""

    kind = "sqlite-change-counter"

    def __init__(self, path: str) -> None:
        self.path = path
        self._database = _WatchedFile(path)
        self._wal_index = _WatchedFile(f"{path}-shm")
        self._lock = threading.Lock()

    def token(self) -> Hashable | None:
        # Threads of one worker share the descriptors: none may close one under another's read.
        with self._lock:
            try:
                header = self._database.read(28)
                if len(header) < 28 or header[:16] != SQLITE_MAGIC:
                    return None
                if header[18] == 1 and header[19] == 1:
                    return self._database.inode, header[24:28]
                if header[18] == 2 and header[19] == 2:
                    return self._wal_token()
                return None
            except OSError:
                self._database.close()
                self._wal_index.close()
                return None

    def _wal_token(self) -> Hashable | None:
        # The WAL-index header (sqlite.org/walformat.html): iChange, incremented by every
        # transaction, at byte 8; mxFrame at 16; the WAL's salts, new at each reset, at 32.
        index = self._wal_index.read(40)
        if len(index) < 40:
            return None
        return self._database.inode, self._wal_index.inode, index[8:12], index[16:20], index[32:40]


class PostgresNotifications:
    """Counts NOTIFYs on CHANNEL from a listener thread started in the process that asks."""

    kind = "postgresql-notify"
    APPLICATION_NAME = "reviewapp-change-signal"

    def __init__(self, url: URL) -> None:
        self.connect_args = {
            "application_name": self.APPLICATION_NAME,
            # A peer that vanished without closing (a network partition) is given up on
            # within seconds, not TCP's default of minutes, while pages keep its last word.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 2,
            "tcp_user_timeout": 5000,
            **url.translate_connect_args(username="user", database="dbname"),
            **url.query,
        }
        self._lock = threading.Lock()
        self._started_in: int | None = None
        # Bumped on every (re)connection: a notification may have been missed in between.
        self._epoch = 0
        self._count = 0
        self._listening = False
        self._stopped = threading.Event()
        # Its own channel: other workers, on this host or another, must not answer for it.
        self._echo = f"reviewapp_echo_{secrets.token_hex(8)}"

    def token(self) -> Hashable | None:
        if self._started_in != os.getpid():
            self._start()
        if not self._listening:
            return None
        return self._epoch, self._count

    def _start(self) -> None:
        with self._lock:
            if self._started_in == os.getpid():
                return
            # A forked worker inherits the flags but not the thread: start over, on a
            # channel of its own.
            self._listening = False
            self._started_in = os.getpid()
            self._echo = f"reviewapp_echo_{secrets.token_hex(8)}"
            threading.Thread(target=self._listen_forever, name="change-signal", daemon=True).start()

    def stop(self) -> None:
        """Stop listening (tests, shutdown); `token()` answers None from then on."""
        self._stopped.set()
        self._listening = False

    def _listen_forever(self) -> None:
        import psycopg

        pause = RECONNECT_SECONDS
        while not self._stopped.is_set():
            try:
                with psycopg.connect(autocommit=True, **self.connect_args) as connection:
                    self._listen(connection)
                    if pause > RECONNECT_SECONDS:
                        log.warning("change signal: listening again")
                    pause = RECONNECT_SECONDS
                    self._count_notifications(connection)
            except Exception as error:  # the listener must outlive any failure
                if pause == RECONNECT_SECONDS:
                    log.warning(
                        "change signal: not listening (%s); pages read the database",
                        error,
                        exc_info=not isinstance(error, psycopg.Error | DeafListener),
                    )
                pause = min(pause * 2, MAX_RECONNECT_SECONDS)
            finally:
                self._listening = False
            self._stopped.wait(pause)

    def _listen(self, connection) -> None:
        """Listen, and trust the connection only once its own echo has come back."""
        connection.execute(f"LISTEN {CHANNEL}")
        connection.execute(f"LISTEN {self._echo}")
        self._round(connection)
        with self._lock:
            self._epoch += 1
            self._listening = not self._stopped.is_set()

    def _count_notifications(self, connection) -> None:
        while not self._stopped.is_set():
            self._round(connection)

    def _round(self, connection) -> None:
        """Count the article notifications of one round; raise if the echo did not return.

        Proving that notifications reach the listener, not only that its connection answers,
        catches a silently dropped connection and a pooler that does not relay them
        (PgBouncer in transaction mode), where it would otherwise wait while pages go stale.
        """
        self._ping(connection, self._echo)
        heard = False
        # The whole round, never leaving early: psycopg drops the rest of a batch of
        # notifications when its generator is left in the middle of one.
        for notification in connection.notifies(timeout=LIVENESS_SECONDS):
            if notification.channel == CHANNEL:
                with self._lock:
                    self._count += 1
            else:
                heard = True
        if not heard:
            raise DeafListener(f"no echo on {self._echo} within {LIVENESS_SECONDS} s")

    def _ping(self, connection, echo: str) -> None:
        connection.execute(f"NOTIFY {echo}")


class DeafListener(Exception):
    """The listener's own notification did not come back: it cannot be trusted to hear others."""


_listeners: dict[str, PostgresNotifications] = {}
_listeners_lock = threading.Lock()


def signal_for(url: URL) -> ChangeSignal:
    """Return the change signal that suits the database at `url`.

    A process needs one listener per database, however many apps it builds (tests build one
    per test): each holds a connection.
    """
    if url.get_backend_name() == "postgresql":
        key = url.render_as_string(hide_password=False)
        with _listeners_lock:
            if key not in _listeners:
                _listeners[key] = PostgresNotifications(url)
            return _listeners[key]
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return SqliteChangeCounter(url.database)
    return NoSignal()


class LocalCommits:
    """Counts this process's own commits, which must show at once, before any notification."""

    count = 0
    _lock = threading.Lock()

    @classmethod
    def bump(cls, _session: Session) -> None:
        # Two threads committing at once must move the count twice, not once.
        with cls._lock:
            cls.count += 1


event.listen(Session, "after_commit", LocalCommits.bump)


def change_token(signal: ChangeSignal) -> Hashable | None:
    """Return the change token of this process on `signal`, or None when only a query can tell."""
    signal_token = signal.token()
    return None if signal_token is None else (LocalCommits.count, signal_token)


def init_app(app: Flask) -> None:
    from reviewapp.extensions import db

    if not app.config["CHANGE_SIGNAL"]:
        app.extensions["change_signal"] = NoSignal()
        return
    with app.app_context():
        app.extensions["change_signal"] = signal_for(db.engine.url)
