"""Server time of the staff pages on a large catalogue: 2,000 articles of 30 sections.

`.venv/bin/python benchmarks/staff_pages.py [--articles 2000] [--sections 30] [--runs 100]`
seeds a fresh database (SQLite file, or BENCH_DATABASE_URL, which is dropped and made again
by nothing here: give an empty one) with `benchmarks.seed.seed_catalogue`, then times each
page in-process with the Flask test client, signed in as the benchmark's editor or board
member, and prints median and 95th percentile with the page's query count. The bar: every
page under 50 ms at the 95th percentile.
"""

import os
import re
import sys
import time
from pathlib import Path

import click
from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import bench_app, db, summarise, table  # noqa: E402

from benchmarks.seed import PASSWORD, refresh_planner_statistics, seed_catalogue  # noqa: E402
from reviewapp import create_app  # noqa: E402
from reviewapp.models import Section, Version  # noqa: E402
from reviewapp.rules.states import State  # noqa: E402

BAR_MS = 50.0


def signed_in(app, email: str):
    """Return a test client signed in through the sign-in form as the account with `email`."""
    client = app.test_client()
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def measure(app, client, url: str, runs: int) -> tuple[float, float, float, int]:
    """Return wall median and p95, CPU p95 (ms) and the statement count of `url`.

    The CPU time of this one process (the app and, on SQLite, the database engine in it) is
    what a request costs the server; on a machine shared with other work the wall time also
    counts the waits for a core, so both are reported.
    """
    statements: list[str] = []

    def listener(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    assert client.get(url).status_code == 200, url  # warm: templates compiled, caches filled
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        client.get(url)
        event.remove(db.engine, "before_cursor_execute", listener)
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    median, p95 = summarise(wall)
    return median, p95, summarise(cpu)[1], len(statements)


@click.command()
@click.option("--articles", default=2000, show_default=True)
@click.option("--sections", default=30, show_default=True)
@click.option("--runs", default=100, show_default=True, help="Requests per page.")
@click.option(
    "--seeded",
    default=None,
    help="URL of a database a previous run seeded with the same sizes: time it again as is.",
)
def main(articles: int, sections: int, runs: int, seeded: str | None) -> None:
    """Seed a large catalogue and time the staff pages on it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": seeded}) if seeded else bench_app()
    with app.app_context():
        started = time.perf_counter()
        if seeded:
            made = {"articles": articles, "versions": 0, "pending": 0, "events": 0}
        else:
            made = seed_catalogue(articles, sections)
        refresh_planner_statistics()
        took = time.perf_counter() - started
        middle = f"cat-{articles // 2}"
        pending = db.session.scalar(
            select(Version.id)
            .where(Version.state == State.UNDER_REVIEW.value)
            .order_by(Version.id)
            .offset(articles // 2)
            .limit(1)
        )
        section_id = db.session.scalar(
            select(Section.id).order_by(Section.id).offset(sections * (articles // 2)).limit(1)
        )
        database = db.engine.dialect.name
    click.echo(
        f"Seeded {made['articles']} articles, {made['versions']} versions "
        f"({made['pending']} waiting), {made['events']} audit events in {took:.0f} s",
        err=True,
    )
    editor = signed_in(app, "bench-editor@example.org")
    board = signed_in(app, "bench-board1@example.org")
    pages = [
        ("review queue, page 1", editor, "/review/"),
        ("review queue, filtered", editor, "/review/?state=submitted&overdue=y&sort=newest"),
        ("review queue, one article", editor, f"/review/?article={middle}"),
        ("review queue, page 20", editor, "/review/?page=20"),
        ("article overview", editor, f"/review/articles/{middle}"),
        ("review screen", editor, f"/review/versions/{pending}"),
        ("board home", board, "/board/"),
        ("section history", board, f"/board/sections/{section_id}/clinician/history"),
        ("article history", board, f"/board/articles/{middle}/history"),
        ("audit browser", board, "/board/audit"),
        ("audit browser, one article", board, f"/board/audit?article={middle}"),
    ]
    rows = []
    for label, client, url in pages:
        median, p95, cpu_p95, queries = measure(app, client, url, runs)
        rows.append(
            [
                label,
                f"`{url}`",
                queries,
                f"{median:.1f}",
                f"{p95:.1f}",
                f"{cpu_p95:.1f}",
                "yes" if p95 < BAR_MS else "**no**",
            ]
        )
    headers = ["page", "address", "queries", "median ms", "p95 ms", "CPU p95 ms", "p95 < 50 ms"]
    print(table(headers, rows))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nLoad average at the end: {load}.")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    click.echo(f"Database: {url} (time it again with --seeded {url})", err=True)
    print(
        f"\n{runs} requests each, Flask test client, one process, database: {database}; "
        f"{articles} articles × {sections} sections."
    )


if __name__ == "__main__":
    main()
