"""How long after a commit another worker's change signal moves (PostgreSQL NOTIFY).

Commits an article change through a connection of its own, as another worker would, and
times until this process's listener has counted the notification.
"""

import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import bench_app, summarise, table  # noqa: E402

from reviewapp.cli.demo import load_demo  # noqa: E402
from reviewapp.extensions import db  # noqa: E402
from reviewapp.web.change_signal import change_token  # noqa: E402

RUNS = 200


def main() -> None:
    app = bench_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            sys.exit("set BENCH_DATABASE_URL to a PostgreSQL database: SQLite needs no delivery")
        load_demo(Path(app.config["CONTENT_DIR"]))
        db.session.commit()
        url = db.engine.url
    signal = app.extensions["change_signal"]
    while signal.token() is None:
        time.sleep(0.01)
    writer = create_engine(url)
    samples, already = [], 0
    for _ in range(RUNS):
        before = change_token(signal)
        with writer.connect() as connection:
            connection.execute(text("UPDATE article SET public_revision = public_revision + 1"))
            started = time.perf_counter()
            connection.commit()
        already += change_token(signal) != before
        while change_token(signal) == before:
            time.sleep(0.0001)
        samples.append(time.perf_counter() - started)
    writer.dispose()
    median, p95 = summarise(samples)
    print(
        table(
            ["commits", "counted when COMMIT returned", "median ms", "p95 ms", "max ms"],
            [
                [
                    RUNS,
                    already,
                    f"{median:.2f}",
                    f"{p95:.2f}",
                    f"{max(samples) * 1000:.2f}",
                ]
            ],
        )
    )
    print(
        "\nTimes from sending COMMIT on another connection to this process's listener having"
        " counted the NOTIFY (the commit's own round trip included)."
    )


if __name__ == "__main__":
    main()
