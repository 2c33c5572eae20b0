"""Template filters, and the locale a page is rendered in."""

from datetime import UTC, date, datetime

import flask_babel
from flask import Flask, g

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


def machine_time(value: datetime) -> str:
    """Format a time for a datetime attribute: ISO 8601 to the second (HTML allows no more)."""
    return value.isoformat(timespec="seconds")


def utc_time(value: datetime) -> str:
    """Format a time for people, in UTC to the second: '2026-12-01 09:30:05 UTC'."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
