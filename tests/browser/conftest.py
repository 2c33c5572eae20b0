"""Browser fixtures: the demo served live on 127.0.0.1, headless Chromium, screenshots on failure.

One server and one browser serve the whole session; each test gets a fresh browser context
(its own cookies) unless it asks for a shared signed-in page.
"""

import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from reviewapp import create_app
from reviewapp.cli.demo import load_demo
from reviewapp.domain.tokens import issue_token
from reviewapp.extensions import db
from reviewapp.models import User
from tests.browser.pages import ENGLISH_SLUG, PASSWORDS
from tests.browser.tools import ARTIFACTS, CHROMIUM_ARGS, need_chromium

TIMEOUT_MS = 10_000
_USED_PAGES = pytest.StashKey[list]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with `browser`, so `-m browser` picks the gates."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Screenshot every page a failed test used, and name the files in the report."""
    report = yield
    if report.when == "call" and report.failed:
        pages = [value for value in item.funcargs.values() if _is_page(value)]
        pages += item.stash.get(_USED_PAGES, [])
        saved = _save_pages(item.nodeid, list(dict.fromkeys(pages)))
        if saved:
            report.sections.append(("screenshots", "\n".join(saved)))
    return report


def _is_page(value: object) -> bool:
    from playwright.sync_api import Page

    return isinstance(value, Page)


def _save_pages(nodeid: str, pages: list) -> list[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", nodeid).strip("_")
    saved = []
    for index, page in enumerate(pages):
        name = f"{stem}-{index}" if len(pages) > 1 else stem
        try:
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception as error:  # a crashed page must not hide the test's own failure
            saved.append(f"{name}: no screenshot ({error})")
        else:
            saved.append(f"{ARTIFACTS / name}.png ({page.url})")
    return saved


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """Start each run without the screenshots of an earlier one."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a fresh SQLite file, migrated and loaded like `flask db upgrade && flask demo`."""
    database = tmp_path_factory.mktemp("live") / "reviewapp.sqlite"
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        flask_migrate.upgrade()
        load_demo(Path(app.config["CONTENT_DIR"]))
        # A drafting pipeline's token, so the admin account page shows its token table.
        pipeline = db.session.scalar(select(User).where(User.email == "contributor@example.org"))
        issue_token(None, pipeline, "drafting pipeline")
        _add_english_article(pipeline)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _add_english_article(contributor: User) -> None:
    """An article in English beside the French seed, so the gates see the chrome in both
    languages: its front matter approved, its wording pending (shown with caution)."""
    from reviewapp.domain.content import import_article
    from tests.conftest import article_files, publish_parts

    files = article_files(ENGLISH_SLUG, policy="pending-with-caution", patient=True)
    files.meta.update(title="What is the question?", language="en")
    publish_parts(import_article(contributor, files).versions)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Keep the test output free of one line per request."""


class LiveServer:
    """The app served by werkzeug on 127.0.0.1, on a port the system picks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="live-server", daemon=True
        )

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(demo_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(demo_app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Debian Chromium for the session (Playwright's own download is never used)."""
    chromium = need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def _new_context(browser, live_server: LiveServer, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser, live_server: LiveServer) -> Iterator:
    """A fresh browser context (no cookies) under the pages' real Content-Security-Policy."""
    context = _new_context(browser, live_server)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def sign_in(page, email: str) -> None:
    """Sign in through the form as the demo account `email`."""
    from playwright.sync_api import expect

    page.goto("/sign-in")
    form = page.locator("main form")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(PASSWORDS[email])
    with page.expect_navigation():
        form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture(scope="session")
def _shared_pages(browser, live_server: LiveServer) -> Iterator[dict]:
    pages: dict = {}
    yield pages
    for shared in pages.values():
        shared.context.close()


@pytest.fixture
def account_page(request: pytest.FixtureRequest, browser, live_server, _shared_pages) -> Callable:
    """Return the session's page for a demo account (None: anonymous), signed in once.

    Tests that visit many pages as the same person share it instead of signing in each time.
    """

    def get(account: str | None):
        if account not in _shared_pages:
            shared = _new_context(browser, live_server).new_page()
            if account is not None:
                sign_in(shared, account)
            _shared_pages[account] = shared
        shared = _shared_pages[account]
        request.node.stash.setdefault(_USED_PAGES, []).append(shared)
        return shared

    return get
