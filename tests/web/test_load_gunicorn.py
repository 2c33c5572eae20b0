"""A bounded load test against gunicorn with four workers, on SQLite and on PostgreSQL.

Writers race on one section's chain (submissions on the same base), editors move versions,
a commenter comments on them and board members sign, all through the JSON API, for at most
15 seconds and 2,000 requests. Afterwards the database must tell a consistent story.
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import postgres_url, require, scratch_postgres_database

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
SLUG = "necrotic-metastatic-tumor"
CHAIN = f"/api/v1/articles/{SLUG}/sections/points-de-vigilance/clinician/versions"
FRONT_MATTER = f"/api/v1/articles/{SLUG}/front-matter/versions"
SECONDS, MAX_REQUESTS, WORKERS = 15, 2000, 4
PENDING = ("submitted", "under_review", "awaiting_signoff")


# Migrates, loads the demo and prints an API token per demo account, in one process.
PREPARE = """
import json
from flask_migrate import upgrade
from reviewapp import create_app
from reviewapp.cli.demo import DEMO_ACCOUNTS, load_demo
from reviewapp.domain.tokens import issue_token
from reviewapp.extensions import db
from reviewapp.models import User

app = create_app()
with app.app_context():
    upgrade()
    load_demo(__import__("pathlib").Path(app.config["CONTENT_DIR"]))
    db.session.commit()
    tokens = {}
    for spec in DEMO_ACCOUNTS:
        user = db.session.scalar(db.select(User).where(User.email == spec.email))
        tokens[spec.email] = issue_token(None, user, "load test")[1]
    db.session.commit()
    print(json.dumps(tokens))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, f"flask {args}: {done.stdout}\n{done.stderr}"
    return done.stdout


class Traffic:
    """Counts what the server answered, stopping everyone at the deadline or the budget."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.deadline = time.monotonic() + SECONDS
        self.statuses: Counter[int] = Counter()
        self.refusals: list[str] = []
        self.lock = threading.Lock()

    def open(self) -> bool:
        with self.lock:
            return time.monotonic() < self.deadline and self.statuses.total() < MAX_REQUESTS

    def call(self, method: str, path: str, token: str, payload: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {token}"}
        body = None
        if payload is not None:
            body, headers["Content-Type"] = json.dumps(payload), "application/json"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = json.loads(response.read() or b"{}")
        connection.close()
        with self.lock:
            self.statuses[response.status] += 1
            if response.status >= 400:
                self.refusals.append(f"{response.status} {data.get('error', {}).get('message')}")
        return response.status, data

    def newest(self, token: str, state: str | None = None, chain: str = CHAIN) -> dict | None:
        _, data = self.call("GET", chain, token)
        versions = data.get("versions", [])
        if state is not None:
            versions = [v for v in versions if v["state"] == state]
        return versions[0] if versions else None


def writer(traffic: Traffic, token: str) -> None:
    while traffic.open():
        base = traffic.newest(token)
        marker = secrets.token_hex(4)
        traffic.call(
            "POST",
            CHAIN,
            token,
            {
                "heading": "Points de vigilance et pièges à éviter",
                "body": f"Texte {marker} : réévaluer après chaque bilan [@guideline-overview].",
                "base_version": base["id"] if base else None,
                "provenance": "tool:load-test 1.0",
                "change_summary": f"Charge {marker}.",
                "public_note": f"Texte révisé ({marker}).",
            },
        )


def front_matter_writer(traffic: Traffic, token: str) -> None:
    """Propose new front matter against the newest version, racing the other proposers."""
    while traffic.open():
        base = traffic.newest(token, chain=FRONT_MATTER)
        marker = secrets.token_hex(4)
        traffic.call(
            "POST",
            FRONT_MATTER,
            token,
            {
                "title": f"Quelle prise en charge ? ({marker})",
                "title_language": "",
                "language": "fr",
                "specialty": "oncologie",
                "authors": [{"name": "Dr Charge", "credentials": "MD", "disclosures": marker}],
                "base_version_id": base["id"] if base else None,
                "change_summary": f"Charge {marker}.",
                "provenance": "tool:load-test 1.0",
            },
        )


def editor(traffic: Traffic, token: str, chain: str = CHAIN) -> None:
    while traffic.open():
        version = traffic.newest(token, chain=chain)
        if version is None:
            continue
        action = {"submitted": "start_review", "under_review": "approve"}.get(version["state"])
        if action:
            traffic.call(
                "POST", f"/api/v1/versions/{version['id']}/transitions", token, {"action": action}
            )


def commenter(traffic: Traffic, token: str) -> None:
    while traffic.open():
        version = traffic.newest(token, "awaiting_signoff")
        if version is not None:
            traffic.call(
                "POST", f"/api/v1/versions/{version['id']}/comments", token, {"body": "Lu."}
            )


def signer(traffic: Traffic, token: str, password: str, chain: str = CHAIN) -> None:
    while traffic.open():
        version = traffic.newest(token, "awaiting_signoff", chain=chain)
        if version is not None:
            traffic.call(
                "POST",
                f"/api/v1/versions/{version['id']}/signoffs",
                token,
                {"password": password, "meaning": "Approved for publication"},
            )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'load.sqlite'}"
        return
    if not postgres_url():
        require("REQUIRE_POSTGRES", "the PostgreSQL load test needs POSTGRES_URL")
    with scratch_postgres_database("load") as url:
        yield url


def test_four_workers_under_racing_writes_keep_every_rule(database_url, tmp_path):
    from reviewapp.cli.demo import DEMO_ACCOUNTS
    from reviewapp.domain.checkpoints import create_key_file

    key_file = tmp_path / "audit-signing-key.pem"
    create_key_file(key_file)

    env = {
        **os.environ,
        "FLASK_APP": "reviewapp",
        "REVIEWAPP_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "0",
        "AUDIT_SIGNING_KEY_FILE": str(key_file),
    }
    prepared = subprocess.run(  # noqa: S603 - a fixed script, no shell
        [sys.executable, "-c", PREPARE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    tokens = json.loads(prepared.stdout.strip().splitlines()[-1])
    accounts = {spec.email: spec for spec in DEMO_ACCOUNTS}
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        for _ in range(100):
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
            finally:
                probe.close()
        traffic = Traffic(port)
        board = ("board@example.org", "board2@example.org")
        jobs = [
            *(lambda: writer(traffic, tokens["contributor@example.org"]) for _ in range(3)),
            lambda: editor(traffic, tokens["editor@example.org"]),
            lambda: editor(traffic, tokens["editor2@example.org"]),
            lambda: commenter(traffic, tokens["editor2@example.org"]),
            *(
                (lambda email=email: signer(traffic, tokens[email], accounts[email].password))
                for email in board
            ),
            lambda: front_matter_writer(traffic, tokens["contributor@example.org"]),
            lambda: editor(traffic, tokens["editor@example.org"], FRONT_MATTER),
            *(
                (
                    lambda email=email: signer(
                        traffic, tokens[email], accounts[email].password, FRONT_MATTER
                    )
                )
                for email in board
            ),
        ]
        threads = [threading.Thread(target=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    assert traffic.statuses.total() > 100
    assert not [status for status in traffic.statuses if status >= 500], (
        traffic.statuses,
        (tmp_path / "gunicorn.log").read_text()[-3000:],
    )
    assert set(traffic.statuses) <= {200, 201, 403, 409}, traffic.refusals[:10]
    assert all(message and message != "None" for message in traffic.refusals)
    assert "intact" in flask(env, "audit", "verify")

    engine = create_engine(database_url)
    with engine.connect() as connection:
        forks = connection.execute(
            text("SELECT prev_hash FROM audit_event GROUP BY prev_hash HAVING count(*) > 1")
        ).all()
        assert forks == []
        versions = connection.execute(text("SELECT id, state, chain FROM version"))
        steps = connection.execute(
            text("SELECT version_id, from_state, to_state FROM version_transition ORDER BY id")
        ).all()
        traces: dict[int, list] = {}
        for version_id, from_state, to_state in steps:
            traces.setdefault(version_id, []).append((from_state, to_state))
        pending: Counter[tuple] = Counter()
        for version_id, state, chain in versions:
            reached = "submitted"
            for from_state, to_state in traces.get(version_id, []):
                assert from_state == reached, (version_id, traces[version_id])
                reached = to_state
            assert reached == state, (version_id, state, traces.get(version_id))
            if state in PENDING:
                pending[chain] += 1
        # A newer submission supersedes a pending one: a chain never has two waiting.
        assert all(count == 1 for count in pending.values()), pending
        published = connection.execute(
            text(
                "SELECT s.published_clinician_id, max(v.id) FROM section s JOIN version v"
                " ON v.section_id = s.id AND v.audience = 'clinician' AND v.state = 'approved'"
                " GROUP BY s.id, s.published_clinician_id"
            )
        ).all()
        assert all(pointer == newest for pointer, newest in published), published
        front_matter = connection.execute(
            text(
                "SELECT a.front_matter_version_id, a.title, max(v.number) FROM article a"
                " JOIN version v ON v.article_id = a.id AND v.kind = 'front_matter'"
                " AND v.state = 'approved' GROUP BY a.id, a.front_matter_version_id, a.title"
            )
        ).one()
        shown = connection.execute(
            text("SELECT number, payload FROM version WHERE id = :id"),
            {"id": front_matter[0]},
        ).one()
        assert shown.number == front_matter[2]
        assert json.loads(shown.payload)["title"] == front_matter[1]
    engine.dispose()
