"""Every page type the accessibility and HTML-validity gates check, one line each."""

import re
from typing import NamedTuple

from reviewapp.cli.demo import DEMO_ACCOUNTS, SEED_SLUG


class PageType(NamedTuple):
    """A page to check: its path, who looks at it, and optionally a form to submit first."""

    name: str
    path: str
    # The email of a demo account to sign in as; None reads anonymously.
    account: str | None = None
    # Submit the page's first form with these fields and check the answer instead.
    submit: dict[str, str] | None = None
    status: int = 200


ADMIN = "admin@example.org"
CONTRIBUTOR = "contributor@example.org"
BOARD = "board@example.org"
EDITOR = "editor@example.org"
BOARD2 = "board2@example.org"
UNKNOWN = "nobody@example.org"  # a refused sign-in that counts against no account
# The demo creates its accounts in this order, in a database of their own: ids from 1.
DEMO_IDS = {account.email: number for number, account in enumerate(DEMO_ACCOUNTS, start=1)}
SEED = f"/articles/{SEED_SLUG}"
# The seed in English, made by the browser fixtures: the chrome in both languages.
ENGLISH_SLUG = "seed-in-english"

PAGE_TYPES = [
    PageType("index", "/"),
    PageType("article-clinician", f"{SEED}/clinician"),
    PageType("article-patient", f"{SEED}/patient"),
    PageType("article-english-clinician", f"/articles/{ENGLISH_SLUG}/clinician"),
    PageType("article-english-patient", f"/articles/{ENGLISH_SLUG}/patient"),
    PageType("article-signed-in", f"{SEED}/clinician", EDITOR),
    PageType("article-as-of", f"{SEED}/patient?as_of=2000-01-01T00:00:00Z", BOARD),
    PageType("changelog", f"{SEED}/changelog"),
    PageType("editorial-policy", "/editorial-policy"),
    PageType("sign-in", "/sign-in"),
    PageType("sign-in-refused", "/sign-in", None, {"email": UNKNOWN, "password": "wrong"}, 401),
    PageType("not-found", "/no-such-page", status=404),
    PageType("change-password", "/account/password", EDITOR),
    PageType("change-password-errors", "/account/password", EDITOR, {}, 422),
    PageType("account", "/account", EDITOR),
    PageType("account-token-errors", "/account", EDITOR, {}, 422),
    PageType("declaration", "/account/declaration", EDITOR),
    # The demo's second board member declared an interest: without its description, refused.
    PageType("declaration-errors", "/account/declaration", BOARD2, {"text": ""}, 422),
    PageType("public-declaration", f"/people/{DEMO_IDS[BOARD2]}/declaration?lang=fr"),
    PageType("public-declaration-english", f"/people/{DEMO_IDS[EDITOR]}/declaration"),
    PageType("review-queue", "/review/", EDITOR),
    PageType("review-article", f"/review{SEED}", EDITOR),
    PageType("retract-article", f"/review{SEED}/retract", EDITOR),
    PageType("retract-article-errors", f"/review{SEED}/retract", EDITOR, {}, 422),
    PageType("review-version", "/review/versions/6", EDITOR),
    PageType("edit-section", f"/review{SEED}/sections/cbnpc/patient/edit", CONTRIBUTOR),
    PageType("propose-front-matter", f"/review{SEED}/front-matter", CONTRIBUTOR),
    PageType("propose-outline", f"/review{SEED}/outline", EDITOR),
    PageType("propose-reference", f"/review{SEED}/references/guideline-overview", EDITOR),
    PageType("propose-new-reference", f"/review{SEED}/new-reference", CONTRIBUTOR),
    PageType("site-texts", "/review/site-texts", EDITOR),
    PageType("propose-site-text", "/review/site-texts/disclaimer.patient.fr", EDITOR),
    PageType("review-part-version", "/review/versions/1", EDITOR),
    PageType("board-part-history", "/board/chains/article:1:front_matter/history", BOARD),
    PageType("board-home", "/board/", BOARD),
    PageType("board-version", "/board/versions/1", BOARD),
    PageType("board-sign", "/board/versions/13", BOARD),
    PageType("board-sign-errors", "/board/versions/13", BOARD, {}, 422),
    PageType("board-article-history", f"/board/articles/{SEED_SLUG}/history", BOARD),
    PageType("board-section-history", "/board/sections/1/clinician/history", BOARD),
    PageType("board-diff", "/board/diff?from=1&to=11", BOARD),
    PageType("board-diff-side", "/board/diff?from=1&to=11&mode=side", BOARD),
    PageType("board-audit", "/board/audit", BOARD),
    PageType("admin-users", "/admin/users", ADMIN),
    PageType("admin-user", "/admin/users/1", ADMIN),
    PageType("admin-new-user-errors", "/admin/users/new", ADMIN, {"email": "not-an-email"}, 422),
]

PASSWORDS = {account.email: account.password for account in DEMO_ACCOUNTS}

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL)
_ACTION = re.compile(r'\baction="([^"]*)"')


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def main_form(html: str, path: str) -> tuple[str, str]:
    """Return where the first form in <main> posts to, and its CSRF token."""
    form = _FORM.search(html, html.index("<main"))
    assert form, f"no form in <main> on {path}"
    action = _ACTION.search(form.group(1))
    return (action.group(1).replace("&amp;", "&") if action else path), csrf_token(form.group(2))


def visit(page, page_type: PageType) -> str:
    """Open a page type in the browser (submitting its form if asked); return the HTML served."""
    response = page.goto(page_type.path)
    if page_type.submit is not None:
        form = page.locator("main form").first
        for name, value in page_type.submit.items():
            form.locator(f'[name="{name}"]').fill(value)
        with page.expect_navigation() as navigation:
            form.locator('[type="submit"]').first.click()
        response = navigation.value
    assert response is not None, f"no response for {page_type.path}"
    assert response.status == page_type.status, f"{page_type.name}: HTTP {response.status}"
    return response.text()
