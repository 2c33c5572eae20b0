"""The W3C Nu HTML checker finds no error on any page type.

The pages come from the demo app through the Flask test client, exactly as served; one JVM
checks them all (the checker refuses loopback URLs, so it reads files).
"""

import json
import re
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from tests.browser.pages import PAGE_TYPES, PASSWORDS, PageType, csrf_token, main_form
from tests.browser.tools import need_vnu

# Errors in pages this suite's authors may not edit, reported to their owners. The marks are
# strict: once a page is fixed its test passes, fails as XPASS, and its line here goes.
KNOWN_INVALID: dict[str, str] = {}


def checked_pages() -> list:
    """Return the page types as test parameters, marking those with known errors."""
    return [
        pytest.param(
            page_type,
            id=page_type.name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_INVALID[page_type.name])]
            if page_type.name in KNOWN_INVALID
            else [],
        )
        for page_type in PAGE_TYPES
    ]


def fetch(app: Flask, page_type: PageType) -> str:
    """Return the HTML a page type is served as, signing in and submitting its form first."""
    client = app.test_client()
    if page_type.account is not None:
        token = csrf_token(client.get("/sign-in").text)
        signed_in = client.post(
            "/sign-in",
            data={
                "email": page_type.account,
                "password": PASSWORDS[page_type.account],
                "csrf_token": token,
            },
        )
        assert signed_in.status_code == 302, f"could not sign in as {page_type.account}"
    response = client.get(page_type.path)
    if page_type.submit is not None:
        action, token = main_form(response.text, page_type.path)
        response = client.post(action, data={**page_type.submit, "csrf_token": token})
    assert response.status_code == page_type.status, f"{page_type.name}: {response.status}"
    return response.text


@pytest.fixture(scope="module")
def nu_messages(demo_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    """Check every page type in one run of the Nu checker; return its messages by page name."""
    vnu = need_vnu()
    folder = tmp_path_factory.mktemp("html")
    files = {}
    for page_type in PAGE_TYPES:
        path = folder / f"{page_type.name}.html"
        path.write_text(fetch(demo_app, page_type), encoding="utf-8")
        files[path.resolve().as_uri()] = page_type.name
    run = subprocess.run(  # noqa: S603 - our own command line
        [*vnu, "--format", "json", "--stdout", *(str(Path(uri[5:])) for uri in files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"the Nu checker gave no report (exit {run.returncode}):\n{run.stderr}")
    messages: dict[str, list] = {name: [] for name in files.values()}
    for message in report["messages"]:
        url = message.get("url", "")
        name = files.get(url) or files.get(Path(url.removeprefix("file:")).resolve().as_uri())
        assert name, f"the Nu checker reported on something else: {message}"
        messages[name].append(message)
    return messages


def describe(messages: list[dict]) -> str:
    """Format Nu checker errors, one entry per distinct message with its lines and an extract."""
    grouped: dict[str, list[dict]] = {}
    for message in messages:
        # "Bad value “…”" messages differ only by the value: group them.
        key = re.sub(r"^Bad value “[^”]*”", "Bad value", message["message"])
        grouped.setdefault(key, []).append(message)
    entries = []
    for same in grouped.values():
        text = same[0]["message"]
        lines = ", ".join(str(m.get("lastLine", "?")) for m in same)
        extract = " ".join(same[0].get("extract", "").split())
        entries.append(f"- line {lines}: {text}\n    {extract}")
    return "\n".join(entries)


@pytest.mark.parametrize("page_type", checked_pages())
def test_page_is_valid_html(nu_messages, page_type: PageType):
    errors = [m for m in nu_messages[page_type.name] if m["type"] != "info"]
    if errors:
        pytest.fail(f"{page_type.name} ({page_type.path}):\n{describe(errors)}", pytrace=False)
