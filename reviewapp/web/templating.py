"""Template filters, and the locale a page is rendered in."""

from dataclasses import replace
from datetime import UTC, date, datetime

import flask_babel
from flask import Flask, g
from flask_login import current_user

from reviewapp.domain.declarations import standing_of
from reviewapp.readmodels.inbox import unread_count
from reviewapp.readmodels.review_queue import action_needed
from reviewapp.rules.states import Role

# The languages the reader's chrome (labels, warnings, dates) is translated into.
CHROME_LANGUAGES = ("en", "fr")
DEFAULT_LOCALE = "en"


def page_locale() -> str:
    """Return the locale of the page being rendered: its article's language on the reader's
    pages (never the browser's: the warnings must match the wording), English elsewhere."""
    return g.get("page_locale", DEFAULT_LOCALE)


def speak(language: str | None) -> str:
    """Render the rest of this request in `language` when the chrome is translated into it,
    else in English; return the language the chrome will be in."""
    locale = language if language in CHROME_LANGUAGES else DEFAULT_LOCALE
    if g.get("page_locale", DEFAULT_LOCALE) != locale:
        g.page_locale = locale
        flask_babel.refresh()  # the locale is kept per request once read
    return locale


def chrome_language() -> str:
    """The language of the page's labels and warnings, for their `lang` attribute."""
    return page_locale()


def long_date(value: date | datetime) -> str:
    """Format a date for the page's locale: '21 July 2025', '21 juillet 2025' (UTC for times)."""
    return flask_babel.format_date(value, "d MMMM y")


def short_date(value: date | datetime) -> str:
    """Format a date compactly for the page's locale: '21 Jul 2025', '21 juil. 2025'."""
    return flask_babel.format_date(value, "d MMM y")


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
    app.add_template_filter(machine_time)
    app.add_template_filter(utc_time)
    app.add_template_global(chrome_language)
    app.add_template_global(action_counts)
    app.add_template_global(unread_notifications)
    app.add_template_global(declaration_reminder)


def unread_notifications() -> int:
    """The signed-in person's unread notifications, for the header's inbox link.

    A template global, not a context processor: base.html calls it only in its signed-in
    branch, so a page shared by every reader never reads the session or the table.
    """
    if "unread_notifications" not in g:
        g.unread_notifications = (
            unread_count(current_user.id) if current_user.is_authenticated else 0
        )
    return g.unread_notifications


def declaration_reminder():
    """Return the signed-in editor's or board member's declaration standing when it is
    missing, expired or due within a month, for the staff pages to say so; else None.

    Like `unread_notifications`, called only in base.html's signed-in branch.
    """
    if "declaration_reminder" not in g:
        standing = standing_of(current_user) if current_user.is_authenticated else None
        g.declaration_reminder = standing if standing is not None and standing.remind else None
    return g.declaration_reminder


def machine_time(value: datetime) -> str:
    """Format a time for a datetime attribute: ISO 8601 to the second (HTML allows no more)."""
    return value.isoformat(timespec="seconds")


def utc_time(value: datetime) -> str:
    """Format a time for people, in UTC to the second: '2026-12-01 09:30:05 UTC'."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def action_counts():
    """Return what waits on the signed-in person, counted once per request (one query).

    Called only by the navigation of staff pages, so no reader's page pays for it.
    """
    if "action_counts" not in g:
        board = current_user.has_role(Role.BOARD)
        known = g.get("awaiting_signature")
        counts = action_needed(
            current_user,
            editor=current_user.has_role(Role.EDITOR),
            contributor=current_user.has_role(Role.CONTRIBUTOR),
            board=board and known is None,
        )
        if board and known is not None:
            counts = replace(counts, awaiting_signature=known)
        g.action_counts = counts
    return g.action_counts


def counted_awaiting_signature(number: int) -> None:
    """Give the header the number of versions awaiting the signed-in member's signature
    that the page has just counted by the same rule (the board home), not to count twice."""
    g.awaiting_signature = number
