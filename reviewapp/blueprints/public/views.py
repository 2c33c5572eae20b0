"""Public pages: the article index, an article for its reader's audience, the policy."""

import contextlib
import functools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    get_flashed_messages,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    request_finished,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import ETags
from werkzeug.http import http_date, quote_etag

from reviewapp.domain import integrity
from reviewapp.extensions import db
from reviewapp.models import Article
from reviewapp.readmodels.catalogue import public_articles
from reviewapp.readmodels.changelog import changelog_rows
from reviewapp.readmodels.publication import ArticlePage, PageState, assemble_page, page_state
from reviewapp.readmodels.re_reviews import re_reviewed_rows, with_re_reviews
from reviewapp.readmodels.site_texts import site_text
from reviewapp.readmodels.verification import verification
from reviewapp.readmodels.withdrawn_wording import withdrawal_log
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Audience, Role
from reviewapp.text import markdown
from reviewapp.web.page_cache import page_cache
from reviewapp.web.templating import speak

bp = Blueprint("public", __name__)

AUDIENCE_COOKIE = "audience"
ONE_YEAR = 365 * 24 * 3600
# Given whole: Werkzeug would otherwise build it from the mimetype on every response.
HTML = "text/html; charset=utf-8"
# Shared caches keep an audience's page only briefly, so that an approval, objection or
# withdrawal shows through them within seconds; they may serve a stale copy while they
# fetch the new one.
SHARED_MAX_AGE = 10
STALE_WHILE_REVALIDATE = 30
# Answers that depend on the reader's own cookies: never stored by a shared cache.
PRIVATE = "private, no-store"


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to build, on every request
class ReaderRequest:
    """What a reader's request asks of an article page, read from the request once."""

    as_of: str | None
    # Only a request with a session cookie can be signed in or carry a flashed message.
    has_session: bool
    if_none_match: ETags

    @classmethod
    def parse(cls) -> "ReaderRequest":
        """Read the past moment asked for and the validators from the request."""
        return cls(
            as_of=request.args.get("as_of"),
            has_session=current_app.config["SESSION_COOKIE_NAME"] in request.cookies,
            if_none_match=request.if_none_match,
        )

    def revalidates(self, etag: str) -> bool:
        """Return whether the reader's If-None-Match names this strong ETag, or is `*`."""
        return self.if_none_match.contains(etag)

    @property
    def personal(self) -> bool:
        """Whether the page shows something of this reader's own: an account or a message.

        Such a page is never cached or shared: a cached page must be the same for every
        reader. Both live in the session, and loading it costs more than the rest of a
        cached page, so a request without its cookie is settled without it.
        """
        if not self.has_session:
            return False
        # Flask keeps the messages it hands out for the rest of the request, so the page
        # rendered next still shows them.
        return current_user.is_authenticated or bool(get_flashed_messages())


def _asked_audience() -> Audience | None:
    """Return the audience an old `?audience=` link names; refuse an unknown one."""
    asked = request.args.get("audience")
    if asked is None:
        return None
    try:
        return Audience(asked)
    except ValueError:
        abort(400, f"Unknown audience {asked!r}: use 'clinician' or 'patient'.")


def _remembered_audience() -> Audience:
    """Return the audience the reader chose last time, clinicians' when none (or a stale one)."""
    with contextlib.suppress(ValueError):
        return Audience(request.cookies.get(AUDIENCE_COOKIE, Audience.CLINICIAN.value))
    return Audience.CLINICIAN


def _audience_url(slug: str, audience: Audience, as_of: str | None = None) -> str:
    return url_for("public.article", slug=slug, audience=audience.value, as_of=as_of or None)


def _page_key(state: PageState, audience: Audience) -> tuple:
    # The day is part of it: "review overdue" turns on by date, with no change in the data.
    return (state.id, state.public_revision, audience.value, utcnow().date().isoformat())


def _etag(key: tuple) -> str:
    article_id, revision, audience, day = key
    return f"a{article_id}-r{revision}-{audience}-{day.replace('-', '')}"


class Validators(NamedTuple):
    etag: str
    # For a 200: the validators and what lets shared caches keep the page.
    full: tuple[tuple[str, str], ...]
    # For a 304: RFC 9110 15.4.5 asks for ETag, Cache-Control and Vary, and no other
    # metadata when an ETag is there.
    not_modified: tuple[tuple[str, str], ...]


@functools.lru_cache(maxsize=1024)
def _validators(key: tuple, changed_at: datetime, max_age: int) -> Validators:
    """Return a page's strong ETag and the headers that go with it.

    Built once per page version: every reader's request sends the same ones.
    """
    etag = _etag(key)
    # No Vary: the audience is in the address, and the page is the same for every reader
    # (a reader's own page, signed in, is private and never stored).
    shared_max_age = min(max_age, SHARED_MAX_AGE)
    revalidation = (
        ("ETag", quote_etag(etag)),
        (
            "Cache-Control",
            f"public, max-age={max_age}, s-maxage={shared_max_age}, "
            f"stale-while-revalidate={STALE_WHILE_REVALIDATE}",
        ),
    )
    return Validators(etag, (*revalidation, ("Last-Modified", http_date(changed_at))), revalidation)


def _json_ld(page: ArticlePage) -> Markup:
    article = page.article
    if page.retraction is not None:
        return _as_script(_retracted_json_ld(page))
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "inLanguage": article.language,
        "url": url_for(
            "public.article", slug=article.slug, audience=page.audience.value, _external=True
        ),
        "medicalAudience": {
            "@type": "MedicalAudience",
            "audienceType": "Clinician" if page.audience is Audience.CLINICIAN else "Patient",
        },
        "author": [
            {"@type": "Person", "name": author.name, "description": author.credentials}
            for author in page.authors
        ],
        "citation": [
            {
                "@type": "CreativeWork",
                "name": ref.reference.title or f"Unidentified source ({ref.reference.key})",
                **({"author": ref.reference.authors} if ref.reference.authors else {}),
                **({"datePublished": str(ref.reference.year)} if ref.reference.year else {}),
                **({"url": ref.reference.web_url} if ref.reference.web_url else {}),
            }
            for ref in page.references
            if not ref.withheld
        ],
    }
    # Who reviewed the page, and when, only while everything it shows was reviewed: a
    # reviewer's name must not vouch for wording still pending review.
    if not page.has_pending:
        data["reviewedBy"] = [
            {"@type": "Person", "name": name}
            for name in dict.fromkeys(r.name for r in [*page.reviewers, *page.board])
        ]
        # A re-review without change is a review: it moves lastReviewed, not the wording.
        if last := page.last_reviewed or page.last_updated:
            data["lastReviewed"] = last.date().isoformat()
    return _as_script(data)


def _retracted_json_ld(page: ArticlePage) -> dict:
    """Describe a retracted article: its address stays for citations, marked retracted."""
    article, retraction = page.article, page.retraction
    return {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "inLanguage": article.language,
        "url": url_for(
            "public.article", slug=article.slug, audience=page.audience.value, _external=True
        ),
        "creativeWorkStatus": "Retracted",
        "correction": {
            "@type": "CorrectionComment",
            "text": retraction.reason,
            "datePublished": retraction.retracted_at.date().isoformat(),
            "author": {"@type": "Person", "name": retraction.printed_name},
        },
    }


def _as_script(data: dict) -> Markup:
    # "</" inside a script element would end it early; JSON allows the escaped form.
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return Markup(text)  # noqa: S704 - JSON we built, with "</" escaped


@bp.get("/")
def index():
    """List the articles readers can open: their front matter approved, or shown with
    caution while pending, and not retracted."""
    return render_template("public/index.html", articles=public_articles())


@bp.get("/sitemap.xml")
def sitemap():
    """List every audience page of the articles the index lists, for search engines."""
    response = make_response(
        render_template("public/sitemap.xml", articles=public_articles(), audiences=list(Audience))
    )
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _as_of(raw: str | None) -> datetime | None:
    """Return the past moment a board member asked to see, or None for the live page."""
    if not raw:
        return None
    if not current_user.is_authenticated or not current_user.has_role(Role.BOARD):
        abort(403, "Only Medical Advisory Board members can see past versions of a page.")
    # An unencoded "+02:00" in a shared link arrives as " 02:00".
    raw = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        abort(400, f"as_of must be an ISO 8601 time such as 2026-01-31T09:00:00Z, not {raw!r}.")
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # the offset carries it past year 1 or 9999
        abort(400, f"as_of must fall within the years 1 to 9999 in UTC, not {raw!r}.")


@bp.get("/articles/<slug>", defaults={"audience": None})
@bp.get("/articles/<slug>/<any(clinician, patient):audience>")
def article(slug: str, audience: str | None):
    """Show an article in one audience's wording; the plain address sends the reader to the
    wording they chose last time."""
    state = page_state(slug, current_app)
    if state is None:
        abort(404, f"There is no article at /articles/{slug}.")
    if audience is None:
        return _to_audience_page(slug)
    reader = ReaderRequest.parse()
    chosen = Audience(audience)
    as_of = _as_of(reader.as_of)
    if as_of is not None:
        return _archived_page(state, chosen, as_of)
    if reader.personal:
        response = make_response(_render_article(_assemble(state, chosen), shared=False))
        response.headers["Cache-Control"] = PRIVATE
        return response
    key = _page_key(state, chosen)
    max_age = current_app.config["PUBLIC_PAGE_MAX_AGE"]
    validators = _validators(key, state.public_changed_at, max_age)
    if reader.revalidates(validators.etag):
        return _shared(
            current_app.response_class(
                status=304, headers=validators.not_modified, content_type=HTML
            )
        )
    body = page_cache(current_app).get_or_render(
        key, lambda: _render_checked(state, chosen).encode()
    )
    return _shared(current_app.response_class(body, headers=validators.full, content_type=HTML))


def _shared(response):
    """Mark an answer as the same for every reader, for `_vary_on_cookie_only_if_personal`."""
    response.shared_by_every_reader = True
    return response


def _vary_on_cookie_only_if_personal(sender, response, **extra) -> None:
    """Take `Cookie` out of Vary on an answer that is the same for every reader.

    Every request looks for a signed-in account, so Flask marks the session read and adds
    `Vary: Cookie` when it saves it, after every after-request hook; a shared cache would
    then keep one copy per reader's cookies, that is none. This runs once the session is
    saved. The page shown to a signed-in reader is private and keeps it.
    """
    if getattr(response, "shared_by_every_reader", False):
        response.vary.discard("Cookie")


@bp.record_once
def _connect(state) -> None:
    request_finished.connect(_vary_on_cookie_only_if_personal, state.app)


def _to_audience_page(slug: str):
    """Answer the plain address: an old `?audience=` link moves for good to its audience's
    page; otherwise the reader's remembered audience, a private answer (it reads a cookie)."""
    as_of = request.args.get("as_of")
    asked = _asked_audience()
    if asked is not None:
        return redirect(_audience_url(slug, asked, as_of), 301)
    response = redirect(_audience_url(slug, _remembered_audience(), as_of), 302)
    response.headers["Cache-Control"] = PRIVATE
    response.vary.add("Cookie")
    return response


@bp.get("/articles/<slug>/choose/<any(clinician, patient):audience>")
def choose_audience(slug: str, audience: str):
    """Remember the reader's audience for their next visit, then show its page.

    The one step that sets the cookie, so that the audience pages themselves stay the same
    for everyone and any cache can keep them.
    """
    if page_state(slug, current_app) is None:
        abort(404, f"There is no article at /articles/{slug}.")
    chosen = Audience(audience)
    response = redirect(_audience_url(slug, chosen, request.args.get("as_of")), 303)
    response.set_cookie(
        AUDIENCE_COOKIE,
        chosen.value,
        max_age=ONE_YEAR,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    response.headers["Cache-Control"] = PRIVATE
    return response


def _assemble(state: PageState, audience: Audience, as_of: datetime | None = None) -> ArticlePage:
    page = assemble_page(state.id, audience, as_of)
    if page is None:  # deleted since its state was read
        abort(404, "This article no longer exists.")
    return page


def _render_checked(
    state: PageState, audience: Audience, as_of: datetime | None = None, *, shared: bool = True
) -> str:
    """Render the page; versions whose stored text failed its check are logged and audited
    once the page is rendered (auditing ends the reader's transaction)."""
    page = _assemble(state, audience, as_of)
    html = _render_article(page, shared=shared)
    if page.integrity_failures:
        integrity.record_failures(page.integrity_failures)
    return html


def _render_article(page: ArticlePage, *, shared: bool = True) -> str:
    """Render the page; a `shared` page, the same for every reader, never reads the session
    (reading it would make the answer vary on the reader's cookies)."""
    # The chrome speaks the article's language, whatever the browser asks for: the
    # warnings must be readable by whoever reads the wording.
    speak(page.article.language)
    return render_template(
        "public/retracted.html" if page.retraction is not None else "public/article.html",
        page=page,
        article=page.article,
        audience=page.audience,
        audiences=list(Audience),
        disclaimer=page.disclaimer,
        json_ld=_json_ld(page),
        printed_on=utcnow(),
        shared_page=shared,
    )


def _archived_page(state: PageState, audience: Audience, as_of: datetime):
    """Show the page as published at a past moment; private, never cached."""
    response = make_response(_render_checked(state, audience, as_of, shared=False))
    response.headers["Cache-Control"] = PRIVATE
    return response


@bp.get("/articles/<slug>/changelog")
def changelog(slug: str):
    """List the approved changes of an article by date, as readers are told them."""
    found = db.session.scalar(select(Article).where(Article.slug == slug))
    if found is None:
        abort(404, f"There is no article at /articles/{slug}.")
    # The chrome speaks the article's language, as on the article page.
    speak(found.language)
    return render_template(
        "public/changelog.html",
        article=found,
        rows=with_re_reviews(changelog_rows(found), re_reviewed_rows(found)),
        withdrawals=withdrawal_log(found),
    )


_CONTENT_HASH = re.compile(r"[0-9a-f]{64}")


@bp.get("/verify/<content_hash>")
def verify(content_hash: str):
    """Let anyone check a reviewed version: what was signed, by whom and when.

    HTML for people; JSON (Accept: application/json) with the exact signed string, so that
    SHA-256 over `payload` can be compared with the hash in the address.
    """
    if not _CONTENT_HASH.fullmatch(content_hash):
        abort(404, "A content hash is 64 lowercase hexadecimal characters.")
    found = verification(content_hash)
    if found is None:
        abort(404, "No approved version was signed on this content hash.")
    wants = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if wants == "application/json":
        response = jsonify(_verification_json(found))
    else:
        response = make_response(render_template("public/verify.html", found=found))
    response.headers["Cache-Control"] = "public, max-age=60, must-revalidate"
    response.vary.add("Accept")
    return response


def _verification_json(found) -> dict:
    return {
        "sha256": found.sha256,
        "payload": found.payload,
        "intact": found.intact,
        "versions": [
            {
                "id": item.version.id,
                "kind": item.version.kind,
                "part": item.place,
                "article": item.article_slug,
                "number": item.version.number,
                "state": item.version.state,
                "approved_at": _utc(item.approved_at),
                "public_note": item.version.public_note,
                "published": item.published,
                "intact": item.intact,
                "checkpoint": item.checkpoint,
                "signatures": [
                    {
                        "printed_name": signoff.printed_name,
                        "role": signoff.role,
                        "meaning": signoff.meaning,
                        "signed_at": _utc(signoff.signed_at),
                    }
                    for signoff in item.signatures
                ],
            }
            for item in found.versions
        ],
    }


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


@bp.get("/editorial-policy")
def editorial_policy():
    """Show the editorial policy."""
    policy = markdown.CitationNumbering().apply(markdown.render(site_text("editorial_policy")).html)
    return render_template("public/editorial_policy.html", policy=policy)
