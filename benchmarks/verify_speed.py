"""`flask audit verify` over a large trail on PostgreSQL: events per second, checkpoints included.

Run as `.venv/bin/python benchmarks/verify_speed.py [DATABASE_URL] [--events 1000000]
[--checkpoint-every 10000] [--runs 3]`. The database (the argument, else BENCH_DATABASE_URL,
else `reviewapp_verify_speed` on the local server) is dropped and created again, migrated,
and given `--events` generated audit events with a signed checkpoint after every
`--checkpoint-every` of them, so verify checks signatures and positions as well as hashes.
Then `flask audit verify` runs `--runs` times in its own process, as an operator runs it; the
table gives each run's own figure (its walk, from its output line) and the wall time of the
whole command (start-up and the count for the progress bar included).
"""

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, make_url, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import table  # noqa: E402
from load_run import load_average, recreate_database  # noqa: E402

from benchmarks.seed import refresh_planner_statistics, seed_events  # noqa: E402
from reviewapp import create_app  # noqa: E402
from reviewapp.domain.checkpoints import record_checkpoint  # noqa: E402
from reviewapp.extensions import db  # noqa: E402
from reviewapp.models import AuditCheckpoint, AuditEvent  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/reviewapp_verify_speed"
RATE_LINE = re.compile(r"intact: (\d+) events verified in ([\d.]+) s \(([\d,]+) events/s\)")


def seed(url: str, key_file: Path, events: int, every: int) -> tuple[int, int, float]:
    """Fill the database with `events` chained events and a checkpoint every `every`."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUDIT_SIGNING_KEY_FILE": str(key_file)})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        done = 0
        while done < events:
            step = min(every, events - done)
            # Its progress bar would land in the table on standard output.
            with contextlib.redirect_stdout(sys.stderr):
                seed_events(step)
            record_checkpoint()
            db.session.commit()
            done += step
        seconds = time.perf_counter() - started
        refresh_planner_statistics()
        total = db.session.scalar(select(func.count(AuditEvent.id)))
        checkpoints = db.session.scalar(select(func.count(AuditCheckpoint.id)))
        db.engine.dispose()
    return total, checkpoints, seconds


def verify_once(env: dict[str, str]) -> tuple[int, float, int, float]:
    """Run `flask audit verify`; return its events, seconds, events/s and the wall time."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command, no shell
        [str(ROOT / ".venv" / "bin" / "flask"), "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    match = RATE_LINE.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise SystemExit(f"flask audit verify failed:\n{done.stdout}{done.stderr}")
    events, seconds, rate = match.groups()
    return int(events), float(seconds), int(rate.replace(",", "")), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", default=None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = args.database or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    recreate_database(url)
    folder = Path(tempfile.mkdtemp(prefix="reviewapp-verify-"))
    key_file = folder / "audit-signing-key.pem"
    load_before = load_average()
    total, checkpoints, seeding = seed(url, key_file, args.events, args.checkpoint_every)
    print(
        f"Seeded {total:,} events and {checkpoints} checkpoints in {seeding:.0f} s.",
        file=sys.stderr,
    )
    env = {
        **os.environ,
        "FLASK_APP": "reviewapp",
        "REVIEWAPP_CONFIG": "development",
        "DATABASE_URL": url,
        "AUDIT_SIGNING_KEY_FILE": str(key_file),
    }
    rows, rates = [], []
    for run in range(1, args.runs + 1):
        events, seconds, rate, wall = verify_once(env)
        rates.append(rate)
        rows.append([run, f"{events:,}", checkpoints, f"{seconds:.2f}", f"{wall:.2f}", f"{rate:,}"])
    rows.append(["median", "", "", "", "", f"{statistics.median(rates):,.0f}"])
    print(
        table(
            ["run", "events", "checkpoints", "verify s", "command wall s", "events/s"],
            rows,
        )
    )
    print()
    print(
        f"PostgreSQL database {make_url(url).database}; {os.cpu_count()} cores; load average "
        f"{load_before} before, {load_average()} after."
    )


if __name__ == "__main__":
    main()
