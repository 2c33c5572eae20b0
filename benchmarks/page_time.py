"""In-process time of the public page, and its query count, by size and history depth."""

import sys
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import bench_app, db, summarise, table  # noqa: E402

from benchmarks.seed import refresh_planner_statistics, seed_article  # noqa: E402
from reviewapp.cli.demo import load_demo  # noqa: E402

CASES = [  # (label, slug, sections, versions per section)
    ("seed article (12 sections)", "necrotic-metastatic-tumor", None, None),
    ("50 sections, 1 version", "s50-v1", 50, 1),
    ("50 sections, 1,000 versions", "s50-v1000", 50, 1000),
    ("500 sections, 1 version", "s500-v1", 500, 1),
    ("500 sections, 5 versions", "s500-v5", 500, 5),
]
RUNS = 200


def measure(client, url: str, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return summarise(samples)


def settle(app, quiet: float = 0.5) -> None:
    """Wait until the change signal has stopped moving after the seeding's commits."""
    signal = app.extensions["change_signal"]
    token, since = signal.token(), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.05)
        if signal.token() != token:
            token, since = signal.token(), time.monotonic()


def count_statements(app, url: str) -> list[str]:
    """Return the SQL statements one uncached request runs once the article's state is known.

    The first request also reads the article's revision; later ones skip it while the
    change signal is quiet, and read it (one more query) after a change.
    """
    statements: list[str] = []

    def listener(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    client = app.test_client()
    settle(app)
    client.get(url)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        client.get(url)
        event.remove(db.engine, "before_cursor_execute", listener)
    return statements


def main() -> None:
    # The cache is off for "assembly" so every request assembles the page from fragments.
    app = bench_app(PAGE_CACHE_ENTRIES=0)
    cached_app = bench_app(
        PAGE_CACHE_ENTRIES=512, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]
    )
    with app.app_context():
        load_demo(Path(app.config["CONTENT_DIR"]))
        for _, slug, sections, versions in CASES[1:]:
            seed_article(slug, sections, versions)
        db.session.commit()
        refresh_planner_statistics()
    rows = []
    for label, slug, _, _ in CASES:
        url = f"/articles/{slug}/clinician"
        statements = count_statements(app, url)
        client = app.test_client()
        median, p95 = measure(client, url, RUNS)
        cached_client = cached_app.test_client()
        cached_client.get(url)
        cached_median, cached_p95 = measure(cached_client, url, RUNS)
        rows.append(
            [
                label,
                len(statements),
                f"{median:.2f}",
                f"{p95:.2f}",
                f"{cached_median:.2f}",
                f"{cached_p95:.2f}",
            ]
        )
    print(
        table(
            [
                "page",
                "assembly queries",
                "assembly median ms",
                "assembly p95 ms",
                "cached median ms",
                "cached p95 ms",
            ],
            rows,
        )
    )
    with app.app_context():
        database = db.engine.dialect.name
    print(f"\n{RUNS} requests each, Flask test client, one process, database: {database}.")


if __name__ == "__main__":
    main()
