"""nginx with proxy_cache in front of gunicorn: the article pages against a static file.

In one run, on one nginx: each audience's page with a reader cookie that differs on every
request, the same bytes as a static file (the ceiling), and the page straight from gunicorn
(the app alone). Then how long an approval takes to show through the cache: a new version is
taken through review and both signatures through the API, and nginx is polled until it
serves the page the app serves after the quorum.

The nginx configuration is deploy/nginx/reviewapp.conf, the one README documents, with its
ports and cache folder pointed at this run's.
"""

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import table  # noqa: E402
from load_run import (  # noqa: E402
    SLUG,
    Writer,
    create_accounts,
    flask,
    free_port,
    load_average,
    server_environment,
    start_server,
    stop,
    wait_until_up,
)

SITE_CONFIG = ROOT / "deploy" / "nginx" / "reviewapp.conf"
AUDIENCES = ("clinician", "patient")
# A new cookie on every request: what thousands of readers with their own cookies look like.
VARYING_COOKIE = """
counter = 0
request = function()
  counter = counter + 1
  local cookie = "session=reader-" .. counter .. "; theme=" .. math.random(1000000)
  return wrk.format(nil, nil, {["Cookie"] = cookie})
end
"""


def nginx_config(workdir: Path, nginx_port: int, app_port: int) -> Path:
    """Write a whole nginx.conf around the documented site configuration."""
    site = SITE_CONFIG.read_text()
    for documented, here in (
        ("/var/cache/nginx/reviewapp", str(workdir / "cache")),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("listen 80;", f"listen 127.0.0.1:{nginx_port};"),
    ):
        if documented not in site:
            raise SystemExit(f"{SITE_CONFIG} no longer holds {documented!r}")
        site = site.replace(documented, here)
    static_block = (
        f"    location = /static-page.html {{\n        root {workdir / 'static'};\n    }}\n}}\n"
    )
    site = site.rstrip().removesuffix("}") + static_block
    config = workdir / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    config.write_text(
        f"{user}worker_processes 1;\n"
        "daemon off;\n"
        f"pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'nginx-error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    access_log off;\n"
        "    default_type text/html;\n"
        f"    client_body_temp_path {workdir / 'tmp'};\n"
        f"    proxy_temp_path {workdir / 'tmp'};\n"
        f"{site}\n"
        "}\n"
    )
    (workdir / "tmp").mkdir(exist_ok=True)
    return config


def get(port: int, path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def wrk(port: int, path: str, duration: str, connections: int, script: Path | None) -> float:
    """Return requests/s of one wrk run (non-2xx answers fail the run)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors on {path}:\n{out}")
    return float(next(line for line in out.splitlines() if "Requests/sec" in line).split()[-1])


def approval_delays(app_port: int, nginx_port: int, accounts, runs: int) -> list[tuple]:
    """Approve new versions through the API; time until nginx serves the approved page."""
    contributor = next(a for a in accounts if a.role == "contributor")
    editor = next(a for a in accounts if a.role == "editor")
    board = [a for a in accounts if a.role == "board"]
    writer = Writer(app_port, contributor, editor, board, seed=7)
    delays = []
    for run in range(runs):
        version_id = writer.submit()
        if version_id is None:
            raise SystemExit(f"submission failed: {writer.log.unexpected}")
        audience = writer.log.submissions[-1].audience
        page = f"/articles/{SLUG}/{audience}"
        # A reader has the pre-approval page in the cache, stored at a random moment before.
        get(nginx_port, page, cookie=f"session=before-{run}")
        time.sleep(run % 4 * 2.5)
        writer.approve(version_id)
        if version_id not in writer.log.approved:
            raise SystemExit(f"approval failed: {writer.log.unexpected}")
        approved_at = time.monotonic()
        _, headers, _ = get(app_port, page)
        fresh = headers["etag"]
        polls = 0
        while True:
            polls += 1
            _, seen, _ = get(nginx_port, page, cookie=f"session=poll-{run}-{polls}")
            if seen.get("etag") == fresh:
                break
            if time.monotonic() - approved_at > 120:
                raise SystemExit(f"the approval of version {version_id} never showed on {page}")
            time.sleep(0.05)
        delays.append((audience, time.monotonic() - approved_at, seen.get("x-cache-status", "")))
    return delays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", default="10s", help="wrk duration per measurement.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--approvals", type=int, default=8)
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get install {tool}")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"

    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="reviewapp-cache-"))
    env = server_environment(f"sqlite:///{workdir / 'bench.sqlite'}")
    flask(env, "db", "upgrade")
    flask(env, "demo")
    accounts = create_accounts(env, 1)
    app_port, nginx_port = free_port(), free_port()
    server = start_server(env, 2, app_port, workdir / "gunicorn.log")
    proxy = None
    try:
        wait_until_up(app_port, server)
        (workdir / "static").mkdir()
        _, headers, body = get(app_port, f"/articles/{SLUG}/clinician")
        if "set-cookie" in headers or "cookie" in headers.get("vary", "").lower():
            raise SystemExit(f"the audience page is not shareable: {headers}")
        (workdir / "static" / "static-page.html").write_bytes(body)
        config = nginx_config(workdir, nginx_port, app_port)
        proxy = subprocess.Popen([nginx, "-c", str(config)], cwd=workdir)  # noqa: S603
        wait_until_up(nginx_port, proxy)
        script = workdir / "varying-cookie.lua"
        script.write_text(VARYING_COOKIE)
        for audience in AUDIENCES:
            get(nginx_port, f"/articles/{SLUG}/{audience}")
            _, headers, _ = get(nginx_port, f"/articles/{SLUG}/{audience}", "session=x")
            if headers.get("x-cache-status") != "HIT":
                raise SystemExit(f"nginx did not store the {audience} page: {headers}")

        targets = {
            "static file (nginx)": (nginx_port, "/static-page.html"),
            "clinician page (nginx cache)": (nginx_port, f"/articles/{SLUG}/clinician"),
            "patient page (nginx cache)": (nginx_port, f"/articles/{SLUG}/patient"),
            "clinician page (gunicorn alone)": (app_port, f"/articles/{SLUG}/clinician"),
        }
        names = list(targets)
        runs: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(args.rounds):
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                port, path = targets[name]
                runs[name].append(wrk(port, path, args.duration, args.connections, script))
        delays = approval_delays(app_port, nginx_port, accounts, args.approvals)
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        stop(server)

    static = runs[names[0]]
    rows = []
    for name in names:
        ratios = [r / s for r, s in zip(runs[name], static, strict=True)]
        rows.append(
            [
                name,
                f"{statistics.median(runs[name]):,.0f}",
                f"{statistics.median(ratios):.2f}",
                " ".join(f"{x:.2f}" for x in ratios),
            ]
        )
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}, {args.rounds} rounds, a new reader "
        f"cookie on every request; load before: {load_before}, after: {load_average()}\n"
    )
    print(table(["target", "requests/s (median)", "ratio to static", "per round"], rows))
    seconds = [d for _, d, _ in delays]
    print(
        f"\nApproval to page through the cache, {len(delays)} approvals (quorum signature "
        f"answered → nginx serves the approved page): median {statistics.median(seconds):.1f} s, "
        f"max {max(seconds):.1f} s; each: "
        + ", ".join(f"{a} {d:.1f} s ({s})" for a, d, s in delays)
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
