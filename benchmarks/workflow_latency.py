"""Submission and approval latency through the API, at ~0 and at 1,000,000 audit events."""

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, make_url, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import summarise, table  # noqa: E402
from load_run import load_average, recreate_database  # noqa: E402

from benchmarks.seed import seed_events  # noqa: E402
from reviewapp import create_app  # noqa: E402
from reviewapp.cli.demo import SEED_SLUG, load_demo  # noqa: E402
from reviewapp.domain.declarations import declare, keeps_declaration  # noqa: E402
from reviewapp.domain.tokens import issue_token  # noqa: E402
from reviewapp.domain.users import create_user  # noqa: E402
from reviewapp.extensions import db  # noqa: E402
from reviewapp.models import AuditEvent  # noqa: E402
from reviewapp.rules.declarations import InterestKind  # noqa: E402
from reviewapp.rules.states import Role  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/reviewapp_latency"
PASSWORD = "latency-run-password-2026"  # noqa: S105 - throwaway accounts in a throwaway database
MEANING = "Approved for publication"
ACCOUNTS = {
    "contributor": Role.CONTRIBUTOR,
    "editor": Role.EDITOR,
    "board1": Role.BOARD,
    "board2": Role.BOARD,
}


def prepare(url: str) -> tuple[Flask, dict[str, str]]:
    """Return an app on a fresh, migrated database with the demo and one token per role."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_ENTRIES": 0})
    with app.app_context():
        upgrade()
        load_demo(Path(app.config["CONTENT_DIR"]))
        tokens = {}
        for key, role in ACCOUNTS.items():
            user = create_user(
                None,
                email=f"latency-{key}@example.org",
                name=f"Latency {key}",
                password=PASSWORD,
                roles=[role],
            )
            if keeps_declaration(user):
                # Approving and signing need a current declaration of interests.
                declare(None, user, kind=InterestKind.NONE.value)
            tokens[key] = issue_token(None, user, "latency benchmark")[1]
        db.session.commit()
    return app, tokens


def audit_events(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


class Api:
    """The JSON API through the Flask test client, failing loudly on an unexpected status."""

    def __init__(self, client: FlaskClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def call(self, who: str, method: str, path: str, payload=None, ok: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response = self.client.open("/api/v1" + path, method=method, json=payload, headers=headers)
        assert response.status_code == ok, (path, response.status_code, response.get_json())
        return response.get_json()

    def timed(self, who: str, method: str, path: str, payload=None, ok: int = 200):
        started = time.perf_counter()
        data = self.call(who, method, path, payload, ok)
        return data, time.perf_counter() - started


def measure(api: Api, runs: int, tag: str) -> dict[str, list[float]]:
    """Submit a version on the newest base, then review, approve and sign it, `runs` times."""
    article = api.call("contributor", "GET", f"/articles/{SEED_SLUG}")
    newest = {
        section["key"]: section["audiences"]["clinician"]["newest"]["id"]
        for section in article["sections"]
        if section["audiences"]["clinician"]["newest"]
    }
    keys = sorted(newest)
    samples: dict[str, list[float]] = {"submit": [], "review": [], "sign": [], "approval": []}
    for run in range(runs):
        key = keys[run % len(keys)]
        base = api.call("contributor", "GET", f"/versions/{newest[key]}")
        version, seconds = api.timed(
            "contributor",
            "POST",
            f"/articles/{SEED_SLUG}/sections/{key}/clinician/versions",
            {
                "heading": base["heading"],
                "body": f"Révision de mesure {tag}-{run} [@guideline-overview].",
                "base_version": newest[key],
                "provenance": "tool:latency-benchmark 1.0",
                "change_summary": f"Latency run {tag}-{run}.",
                "public_note": f"Révision de mesure {tag}-{run}.",
            },
            ok=201,
        )
        samples["submit"].append(seconds)
        newest[key] = version["id"]
        path = f"/versions/{version['id']}"
        approval = 0.0
        for action in ("start_review", "approve"):
            _, seconds = api.timed("editor", "POST", path + "/transitions", {"action": action})
            samples["review"].append(seconds)
            approval += seconds
        for member in ("board1", "board2"):
            _, seconds = api.timed(
                member,
                "POST",
                path + "/signoffs",
                {"password": PASSWORD, "meaning": MEANING},
                ok=201,
            )
            samples["sign"].append(seconds)
            approval += seconds
        samples["approval"].append(approval)
        assert api.call("contributor", "GET", path)["state"] == "approved"
    return samples


def row(database: str, events: int, samples: dict[str, list[float]]) -> list[str]:
    cells = [database, f"{events:,}"]
    for name in ("submit", "approval", "review", "sign"):
        median, p95 = summarise(samples[name])
        cells += [f"{median:.1f}", f"{p95:.1f}"]
    return cells


def run_database(label: str, url: str, events: int, runs: int) -> list[list[str]]:
    """Measure at ~0 events, append `events`, and measure again."""
    app, tokens = prepare(url)
    api = Api(app.test_client(), tokens)
    rows = [row(label, audit_events(app), measure(api, runs, "a"))]
    with app.app_context(), contextlib.redirect_stdout(sys.stderr):
        seconds = seed_events(events)
    print(f"{label}: {events:,} audit events appended in {seconds:.0f} s", file=sys.stderr)
    rows.append(row(label, audit_events(app), measure(api, runs, "b")))
    with app.app_context():
        db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "database_url", nargs="?", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="Audit events to append.")
    parser.add_argument("--runs", type=int, default=200, help="Submissions and approvals.")
    parser.add_argument(
        "--on",
        choices=("postgresql", "sqlite", "both"),
        default="postgresql",
        help="PostgreSQL (the URL), a temporary SQLite file, or both one after the other.",
    )
    args = parser.parse_args()
    load_before = load_average()
    rows = []
    if args.on != "sqlite":
        recreate_database(args.database_url)
        rows += run_database("PostgreSQL", args.database_url, args.events, args.runs)
    if args.on != "postgresql":
        folder = Path(tempfile.mkdtemp(prefix="reviewapp-latency-"))
        rows += run_database(
            "SQLite", f"sqlite:///{folder / 'latency.sqlite'}", args.events, args.runs
        )
    headers = ["database", "audit events"]
    for name in ("submit", "approval path", "start_review/approve", "sign-off"):
        headers += [f"{name} median ms", f"{name} p95 ms"]
    print(table(headers, rows))
    where = (
        ""
        if args.on == "sqlite"
        else f"PostgreSQL database {make_url(args.database_url).database}; "
    )
    print(
        f"\n{args.runs} runs each, Flask test client in one process, API with bearer tokens; "
        "approval path = start_review + approve + 2 sign-offs (scrypt password check each); "
        f"{where}load average {load_before} before, {load_average()} after; "
        f"{os.cpu_count()} cores."
    )


if __name__ == "__main__":
    main()
