"""Shared set-up: a migrated SQLite (or DATABASE_URL) database in a temporary folder."""

import os
import statistics
import tempfile
from pathlib import Path

from flask_migrate import upgrade

from reviewapp import create_app
from reviewapp.extensions import db


def bench_app(**overrides):
    """Return an app on a fresh, migrated database (SQLite file unless BENCH_DATABASE_URL)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="reviewapp-bench-"))
        url = f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **overrides})
    with app.app_context():
        upgrade()
    return app


def summarise(samples: list[float]) -> tuple[float, float]:
    """Return the median and 95th percentile, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def table(headers: list[str], rows: list[list]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


__all__ = ["bench_app", "db", "summarise", "table"]
