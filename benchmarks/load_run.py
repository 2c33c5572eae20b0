"""Load run by hand: readers and editors against gunicorn on PostgreSQL, then integrity checks."""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import summarise, table  # noqa: E402

from reviewapp.domain.checkpoints import create_key_file  # noqa: E402
from reviewapp.rules.hashing import content_hash  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/reviewapp_load"
PROTECTED_DATABASES = frozenset({"test", "postgres", "template0", "template1"})
SLUG = "necrotic-metastatic-tumor"
AUDIENCES = ("clinician", "patient")
MEANING = "Approved for publication"
PASSWORD = "load-run-password-2026"  # noqa: S105 - throwaway accounts in a throwaway database
STALE_RETRIES = 5


def recreate_database(url: str) -> None:
    """Drop and create the PostgreSQL database named in `url` (never a protected one)."""
    target = make_url(url)
    name = target.database or ""
    if target.get_backend_name() != "postgresql":
        raise SystemExit(f"Not a PostgreSQL URL: {url}")
    if name in PROTECTED_DATABASES or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"Refusing to drop the database {name!r}; name a dedicated one.")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def load_average() -> str:
    """Return the 1/5/15-minute load averages, as uptime shows them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str) -> dict[str, str]:
    """Return the environment of the production configuration on `database_url`, with a
    checkpoint signing key of its own (production never makes one)."""
    key_file = Path(tempfile.mkdtemp(prefix="load-run-key-")) / "audit-signing-key.pem"
    create_key_file(key_file)
    return {
        "AUDIT_SIGNING_KEY_FILE": str(key_file),
        **os.environ,
        "FLASK_APP": "reviewapp",
        "REVIEWAPP_CONFIG": "production",
        "SECRET_KEY": "load-run-only-" + secrets.token_hex(8),
        "SESSION_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
    }


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run one `flask` command in the project and return its standard output."""
    done = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Account:
    email: str
    role: str
    token: str = ""


@dataclass
class Sample:
    op: str
    status: int  # 0: the connection failed before an answer
    seconds: float


@dataclass
class Submission:
    version_id: int
    section: str
    audience: str
    marker: str
    expected_hash: str
    answered_hash: str


@dataclass
class WriterLog:
    samples: list[Sample] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    stale: int = 0
    superseded: int = 0
    approved: list[int] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


class Client:
    """One HTTP/1.1 connection that reopens itself when the server closes it."""

    def __init__(self, port: int, samples: list[Sample]) -> None:
        self.port = port
        self.samples = samples
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(
        self,
        op: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        payload: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request, record its status and time, and return status, headers, body."""
        sent = dict(headers or {})
        body = None
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if payload is not None:
            body = json.dumps(payload).encode()
            sent["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.samples.append(Sample(op, 0, time.perf_counter() - started))
            raise
        self.samples.append(Sample(op, response.status, time.perf_counter() - started))
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def reader(port: int, deadline: float, revalidate_share: float, seed: int, out: list) -> None:
    """Fetch the public page in a random audience until the deadline."""
    rng = random.Random(seed)
    client = Client(port, out)
    etags: dict[str, str] = {}
    while time.monotonic() < deadline:
        audience = rng.choice(AUDIENCES)
        headers = {}
        op = "read"
        if audience in etags and rng.random() < revalidate_share:
            headers["If-None-Match"] = etags[audience]
            op = "revalidate"
        try:
            status, answer, _ = client.call(
                op, "GET", f"/articles/{SLUG}?audience={audience}", headers=headers
            )
        except (OSError, http.client.HTTPException):
            continue
        if status == 200 and "etag" in answer:
            etags[audience] = answer["etag"]


class Writer:
    """Submit, review, approve and sign new versions through the API until the deadline."""

    def __init__(
        self,
        port: int,
        contributor: Account,
        editor: Account,
        board: list[Account],
        seed: int,
    ) -> None:
        self.log = WriterLog()
        self.client = Client(port, self.log.samples)
        self.contributor, self.editor, self.board = contributor, editor, board
        self.rng = random.Random(seed)

    def api(self, op: str, method: str, path: str, account: Account, payload=None):
        status, _, data = self.client.call(
            op, method, "/api/v1" + path, token=account.token, payload=payload
        )
        return status, json.loads(data) if data else {}

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                version_id = self.submit()
                if version_id is not None:
                    self.approve(version_id)
            except Exception as error:  # noqa: BLE001 - recorded and reported, the run goes on
                self.log.unexpected.append(f"writer: {error!r}")

    def heading_of(self, version_id: int | None, fallback_id: int | None) -> str:
        status, data = self.api(
            "api-get", "GET", f"/versions/{version_id or fallback_id}", self.contributor
        )
        if status != 200:
            self.log.unexpected.append(f"GET version {version_id}: {status} {data}")
            return "Section"
        return data["heading"]

    def submit(self) -> int | None:
        """Submit a new version of a random chain on its newest base; retry when stale."""
        status, article = self.api("api-get", "GET", f"/articles/{SLUG}", self.contributor)
        if status != 200:
            self.log.unexpected.append(f"GET article: {status} {article}")
            return None
        section = self.rng.choice(article["sections"])
        audience = self.rng.choice(AUDIENCES)
        chains = section["audiences"]
        newest = chains[audience]["newest"]
        base = newest["id"] if newest else None
        clinician = chains["clinician"]["newest"]
        heading = self.heading_of(base, clinician["id"] if clinician else None)
        path = f"/articles/{SLUG}/sections/{section['key']}/{audience}/versions"
        for _ in range(STALE_RETRIES):
            marker = "LR" + secrets.token_hex(6)
            body = (
                f"Texte de charge {marker} pour le public {audience}. "
                f"Réévaluer la prise en charge après chaque bilan [@guideline-overview]."
            )
            status, data = self.api(
                "submit",
                "POST",
                path,
                self.contributor,
                {
                    "heading": heading,
                    "body": body,
                    "base_version": base,
                    "provenance": "tool:load-run 1.0",
                    "change_summary": f"Load run {marker}.",
                    "public_note": f"Révision de charge {marker}.",
                },
            )
            if status == 201:
                expected = content_hash(
                    article_slug=SLUG,
                    section_key=section["key"],
                    audience=audience,
                    heading=heading.strip(),
                    body=body.strip(),
                    public_note=f"Révision de charge {marker}.",
                )
                self.log.submissions.append(
                    Submission(
                        data["id"], section["key"], audience, marker, expected, data["content_hash"]
                    )
                )
                return data["id"]
            if status == 409 and data.get("error", {}).get("code") == "stale_version":
                self.log.stale += 1
                base = data["error"]["current_version_id"]
                heading = self.heading_of(base, clinician["id"] if clinician else None)
                continue
            self.log.unexpected.append(f"submit {section['key']}/{audience}: {status} {data}")
            return None
        return None

    def step(self, op: str, method: str, path: str, account: Account, payload, ok: int) -> bool:
        """Take one workflow step; a version superseded meanwhile is an expected refusal."""
        status, data = self.api(op, method, path, account, payload)
        if status == ok:
            return True
        if status == 409 and data.get("error", {}).get("code") == "transition_not_allowed":
            self.log.superseded += 1
        else:
            self.log.unexpected.append(f"{op} {path}: {status} {data}")
        return False

    def approve(self, version_id: int) -> None:
        transitions = f"/versions/{version_id}/transitions"
        for action in ("start_review", "approve"):
            if not self.step(action, "POST", transitions, self.editor, {"action": action}, 200):
                return
        for member in self.board:
            payload = {"password": PASSWORD, "meaning": MEANING}
            if not self.step(
                "sign", "POST", f"/versions/{version_id}/signoffs", member, payload, 201
            ):
                return
        self.log.approved.append(version_id)


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def fetch_page(port: int, audience: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", f"/articles/{SLUG}?audience={audience}")
    response = connection.getresponse()
    return response.read().decode() if response.status == 200 else ""


def check_database(url: str, submissions: list[Submission], approved: list[int]) -> dict[str, Any]:
    """Compare what the writers were told with what the database holds."""
    engine = create_engine(url)
    ids = [s.version_id for s in submissions]
    with engine.connect() as connection:
        rows = {
            row.id: row
            for row in connection.execute(
                text(
                    "SELECT id, content_hash, state, approved_at FROM version WHERE id IN :ids"
                ).bindparams(bindparam("ids", expanding=True)),
                {"ids": ids or [-1]},
            )
        }
        audited = set(
            connection.scalars(
                text(
                    "SELECT target_id FROM audit_event WHERE action = 'version.submit' "
                    "AND outcome = 'done' AND target_id IN :ids"
                ).bindparams(bindparam("ids", expanding=True)),
                {"ids": ids or [-1]},
            )
        )
        stored_by_load = connection.scalar(
            text(
                'SELECT count(*) FROM version v JOIN "user" u ON u.id = v.author_id '
                "WHERE u.email LIKE 'load-contributor%'"
            )
        )
        published = {
            (row.key, audience): getattr(row, f"published_{audience}_id")
            for row in connection.execute(
                text(
                    "SELECT s.key, s.published_clinician_id, s.published_patient_id "
                    "FROM section s JOIN article a ON a.id = s.article_id WHERE a.slug = :slug"
                ),
                {"slug": SLUG},
            )
            for audience in AUDIENCES
        }
        newest_approved = {
            (row.key, row.audience): row.id
            for row in connection.execute(
                text(
                    "SELECT DISTINCT ON (s.key, v.audience) s.key, v.audience, v.id "
                    "FROM version v JOIN section s ON s.id = v.section_id "
                    "JOIN article a ON a.id = s.article_id "
                    "WHERE a.slug = :slug AND v.state = 'approved' "
                    "ORDER BY s.key, v.audience, v.number DESC"
                ),
                {"slug": SLUG},
            )
        }
        revision = connection.scalar(
            text("SELECT public_revision FROM article WHERE slug = :slug"), {"slug": SLUG}
        )
    engine.dispose()
    lost = [
        s.version_id
        for s in submissions
        if s.version_id not in rows
        or rows[s.version_id].content_hash != s.expected_hash
        or s.answered_hash != s.expected_hash
    ]
    not_approved = [v for v in approved if v not in rows or rows[v].state != "approved"]
    wrong_published = sorted(
        f"{key}/{audience}: published {published.get((key, audience))}, newest approved {vid}"
        for (key, audience), vid in newest_approved.items()
        if published.get((key, audience)) != vid
    )
    return {
        "lost": lost,
        "unaudited": [i for i in ids if i not in audited],
        "stored_by_load": stored_by_load,
        "not_approved": not_approved,
        "wrong_published": wrong_published,
        "published": published,
        "revision": revision,
    }


def public_revision(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.scalar(
            text("SELECT public_revision FROM article WHERE slug = :slug"), {"slug": SLUG}
        )
    engine.dispose()
    return value


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def percentiles(samples: list[Sample]) -> str:
    """Return 'median / p95' in milliseconds, or a dash when there is nothing to summarise."""
    if not samples:
        return "–"
    median, p95 = summarise([s.seconds for s in samples])
    return f"{median:.1f} / {p95:.1f}"


def deadlocks(url: str) -> int:
    """Return PostgreSQL's count of deadlocks detected in this database so far."""
    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.scalar(
            text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        )
    engine.dispose()
    return int(value or 0)


def create_accounts(env: dict[str, str], writers: int) -> list[Account]:
    """Create the load run's accounts with the CLI and issue each an API token."""
    accounts = [Account(f"load-contributor{i}@example.org", "contributor") for i in range(writers)]
    accounts += [Account(f"load-editor{i}@example.org", "editor") for i in (1, 2)]
    accounts += [Account(f"load-board{i}@example.org", "board") for i in (1, 2)]
    for account in accounts:
        name = account.email.split("@")[0].replace("-", " ").title()
        flask(
            env, "users", "create", account.email, "--name", name, "--role", account.role,
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        account.token = flask(env, "users", "token", account.email, "--name", "load run").strip()
    return accounts


def start_server(env: dict[str, str], workers: int, port: int, log_path: Path) -> subprocess.Popen:
    """Start gunicorn on a loopback port, its output going to `log_path`."""
    with log_path.open("w") as log:
        return subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [
                sys.executable, "-m", "gunicorn", "--workers", str(workers),
                "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


@dataclass
class Outcome:
    elapsed: float
    reads: list[Sample]
    writers: list[Writer]
    result: dict[str, Any]
    pages: dict[str, str]
    load_after: str


def drive(port: int, args: argparse.Namespace, accounts: list[Account], url: str) -> Outcome:
    """Run readers and writers until the deadline, then read back what the server holds."""
    contributors = [a for a in accounts if a.role == "contributor"]
    editors = [a for a in accounts if a.role == "editor"]
    board = [a for a in accounts if a.role == "board"]
    deadline = time.monotonic() + args.duration
    reader_samples: list[list[Sample]] = [[] for _ in range(args.readers)]
    writers = [
        Writer(port, contributor, editors[i % len(editors)], board, seed=1000 + i)
        for i, contributor in enumerate(contributors)
    ]
    threads = [
        threading.Thread(target=reader, args=(port, deadline, args.revalidate, i, out))
        for i, out in enumerate(reader_samples)
    ] + [threading.Thread(target=w.run, args=(deadline,)) for w in writers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    load_after = load_average()
    submissions = [s for w in writers for s in w.log.submissions]
    approved = [v for w in writers for v in w.log.approved]
    return Outcome(
        elapsed=elapsed,
        reads=[s for samples in reader_samples for s in samples],
        writers=writers,
        result=check_database(url, submissions, approved),
        pages={audience: fetch_page(port, audience) for audience in AUDIENCES},
        load_after=load_after,
    )


def audit_verify(env: dict[str, str]) -> tuple[bool, str]:
    """Run `flask audit verify`; return whether it reports intact, and its last line."""
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [sys.executable, "-m", "flask", "audit", "verify"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = (done.stdout.strip() or done.stderr.strip()).splitlines() or ["(no output)"]
    return done.returncode == 0 and "intact" in lines[-1], lines[-1].strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "database_url", nargs="?", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--duration", type=float, default=60, help="Seconds of load.")
    parser.add_argument("--readers", type=int, default=16, help="Reader threads.")
    parser.add_argument("--writers", type=int, default=4, help="Writer threads (contributors).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument("--revalidate", type=float, default=0.3, help="Share of 304 attempts.")
    args = parser.parse_args()
    if args.workers < 2 or args.writers < 1 or args.readers < 1:
        parser.error("Use 2+ workers, 1+ writers and 1+ readers.")

    load_before = load_average()
    url = args.database_url
    recreate_database(url)
    env = server_environment(url)
    flask(env, "db", "upgrade")
    flask(env, "demo")
    accounts = create_accounts(env, args.writers)
    revision_before = public_revision(url)
    deadlocks_before = deadlocks(url)
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"load-run-gunicorn-{port}.log"
    server = start_server(env, args.workers, port, log_path)
    try:
        wait_until_up(port, server)
        outcome = drive(port, args, accounts, url)
    finally:
        stop(server)
    server_log = log_path.read_text()
    intact, verify_line = audit_verify(env)
    time.sleep(1)  # PostgreSQL publishes its statistics about once a second.
    new_deadlocks = deadlocks(url) - deadlocks_before

    reads, writers, result = outcome.reads, outcome.writers, outcome.result
    writes = [s for w in writers for s in w.log.samples]
    submissions = [s for w in writers for s in w.log.submissions]
    approved = [v for w in writers for v in w.log.approved]
    unexpected = [u for w in writers for u in w.log.unexpected]
    # Published wording of ours must be on its audience's page, fetched fresh after the run.
    ours = {s.version_id: s for s in submissions}
    missing_on_page = [
        f"{key}/{audience} version id {vid} not on the {audience} page"
        for (key, audience), vid in result["published"].items()
        if vid in ours and ours[vid].marker not in outcome.pages[audience]
    ]
    statuses = Counter(s.status for s in reads + writes)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    ops = Counter((s.op, s.status) for s in writes)
    # Each accepted submission, review start, approval and quorum moves the page's revision.
    expected_bumps = (
        ops[("submit", 201)] + ops[("start_review", 200)] + ops[("approve", 200)] + len(approved)
    )
    actual_bumps = result["revision"] - revision_before
    failures = server_log.count("ERROR in app: Exception on")
    timeouts = server_log.count("WORKER TIMEOUT")
    checks = {
        "zero 5xx": server_errors == 0,
        "zero transport errors": statuses.get(0, 0) == 0,
        "zero lost submissions": not result["lost"] and not result["unaudited"],
        "every stored submission was answered 201": result["stored_by_load"] == len(submissions),
        "quorum-approved versions approved and published": not (
            result["not_approved"] or result["wrong_published"] or missing_on_page
        ),
        "audit chain intact": intact,
        "no unexpected refusals": not unexpected,
        "no server exceptions or worker timeouts": failures == 0 and timeouts == 0,
        "no deadlocks": new_deadlocks == 0,
    }

    def ms(op: str | tuple[str, ...]) -> str:
        names = (op,) if isinstance(op, str) else op
        return percentiles([s for s in writes if s.op in names])

    ok_reads = sum(s.status in (200, 304) for s in reads)
    revalidations = [s for s in reads if s.op == "revalidate"]
    rows = [
        ["duration (s)", f"{outcome.elapsed:.1f}"],
        ["reader / writer threads; gunicorn sync workers",
         f"{args.readers} / {args.writers}; {args.workers}"],
        ["requests", len(reads) + len(writes)],
        ["statuses", ", ".join(f"{k or 'no answer'}: {v}" for k, v in sorted(statuses.items()))],
        ["reader requests: 200 / 304",
         f"{sum(s.status == 200 for s in reads)} / {sum(s.status == 304 for s in reads)}"],
        ["reader requests/s (200 + 304)", f"{ok_reads / outcome.elapsed:.1f}"],
        ["reader p50 / p95 (ms)", percentiles(reads)],
        ["revalidations (If-None-Match): answered 304 / sent",
         f"{sum(s.status == 304 for s in revalidations)} / {len(revalidations)}"],
        ["revalidation p50 / p95 (ms)", percentiles(revalidations)],
        ["writer API requests", len(writes)],
        ["writer p50 / p95 (ms), all API calls", percentiles(writes)],
        ["submit p50 / p95 (ms)", ms("submit")],
        ["start_review, approve p50 / p95 (ms)", ms(("start_review", "approve"))],
        ["sign p50 / p95 (ms)", ms("sign")],
        ["submissions accepted (201) / refused stale (409)",
         f"{len(submissions)} / {sum(w.log.stale for w in writers)}"],
        ["approved by quorum (2 signatures)", len(approved)],
        ["steps refused: version superseded meanwhile (409)",
         sum(w.log.superseded for w in writers)],
        ["5xx responses", server_errors],
        ["unexpected refusals", len(unexpected)],
        ["lost submissions: missing or hash differs / no audit event",
         f"{len(result['lost'])} / {len(result['unaudited'])} of {len(submissions)}"],
        ["versions stored for the load contributors", result["stored_by_load"]],
        ["quorum-approved: not approved / not published / not on page",
         f"{len(result['not_approved'])} / {len(result['wrong_published'])}"
         f" / {len(missing_on_page)}"],
        ["PostgreSQL deadlocks detected", new_deadlocks],
        ["gunicorn exceptions / worker timeouts", f"{failures} / {timeouts}"],
        ["article public_revision bumps: expected / stored", f"{expected_bumps} / {actual_bumps}"],
        ["flask audit verify", verify_line],
        ["load average before / after", f"{load_before} / {outcome.load_after}"],
    ]  # fmt: skip
    print(table(["load run", "value"], rows))
    print(f"\nPostgreSQL database {make_url(url).database}; {os.cpu_count()}-core machine.")
    report_failures(checks, unexpected, result, missing_on_page, server_log)
    if actual_bumps != expected_bumps:
        print(
            f"NOTE: article.public_revision moved {actual_bumps} times for {expected_bumps} "
            "changes that each bump it: concurrent bumps overwrote each other.",
            file=sys.stderr,
        )
    print(f"gunicorn log: {log_path}", file=sys.stderr)
    return 1 if any(not ok for ok in checks.values()) else 0


def report_failures(
    checks: dict[str, bool],
    unexpected: list[str],
    result: dict[str, Any],
    missing_on_page: list[str],
    server_log: str,
) -> None:
    """Print each failed check and its evidence on standard error."""
    for name, ok in checks.items():
        if not ok:
            print(f"FAILED: {name}", file=sys.stderr)
    details = [
        *unexpected,
        *(f"lost or altered submission: version id {v}" for v in result["lost"]),
        *(f"submission without audit event: version id {v}" for v in result["unaudited"]),
        *(f"quorum reached but not approved: version id {v}" for v in result["not_approved"]),
        *result["wrong_published"],
        *missing_on_page,
    ]
    for detail in details[:40]:
        print(f"  {detail}", file=sys.stderr)
    # The failed request and the database's own explanation, without the stack frames.
    evidence = re.compile(
        r"(\[.*\] (ERROR|CRITICAL)|\w[\w.]*(Error|Detected): |DETAIL|\s*Process \d+)"
    )
    for line in server_log.splitlines():
        if evidence.match(line):
            print(f"  gunicorn: {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
