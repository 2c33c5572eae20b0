"""How database connections behave, so SQLite is safe with several workers.

SQLite allows one writer at a time. A writer that read before taking the write lock may have
read what another writer was changing (a lost update, a forked audit chain), and a COMMIT
that cannot get the lock leaves its transaction open. So on SQLite:

- the file is in WAL mode, where readers never block the writer nor the writer readers;
- every connection waits up to `SQLITE_BUSY_TIMEOUT_MS` for a lock, then gives up (503);
- a transaction that may write begins `BEGIN IMMEDIATE`, taking the write lock before it
  reads anything it will change; reading requests (GET, HEAD, OPTIONS) begin a plain,
  deferred transaction and never wait on writers;
- a statement or COMMIT that fails with "database is locked" discards its connection, so no
  lock and no half-made transaction outlive the request.

PostgreSQL needs none of this: its row locks and the audit chain's advisory lock do the job.
"""

import sqlite3
from contextvars import ContextVar

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# Whether the current unit of work may write: only reading requests say it will not.
_may_write: ContextVar[bool] = ContextVar("may_write", default=True)
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_locked_error(error: BaseException) -> bool:
    """Return whether a database error is SQLite's lock timeout ("database is locked")."""
    original = getattr(error, "orig", error)
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Transactions are begun by `_begin` below, not by the driver's own implicit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    # One in-memory database is one connection shared by every user (tests): a second
    # SQLAlchemy connection joins the transaction already open on it.
    if connection.connection.dbapi_connection.in_transaction:
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write.get() else "BEGIN")


def read_only_from_now() -> None:
    """Begin this request's next transactions as readers (to answer after a failed write)."""
    _may_write.set(False)


def _mark_reading_requests() -> None:
    g.may_write_token = _may_write.set(request.method not in READING_METHODS)


def _forget_request_mark(error: BaseException | None) -> None:
    token = g.pop("may_write_token", None)
    if token is not None:
        _may_write.reset(token)


def init_app(app: Flask) -> None:
    """Give SQLite connections the app's lock timeout; mark each request reading or writing.

    Call before the database extension creates its engines.
    """
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        # The driver's timeout is SQLite's busy timeout: how long to wait for a lock.
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options | {"connect_args": connect_args}
    app.before_request(_mark_reading_requests)
    app.teardown_request(_forget_request_mark)
