"""Template filters."""

from datetime import UTC, date, datetime

from flask import Flask


def long_date(value: date | datetime) -> str:
    """Format a date as '21 July 2025' (UTC for times)."""
    return f"{value.day} {value.strftime('%B %Y')}"


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(machine_time)
    app.add_template_filter(utc_time)


def machine_time(value: datetime) -> str:
    """Format a time for a datetime attribute: ISO 8601 to the second (HTML allows no more)."""
    return value.isoformat(timespec="seconds")


def utc_time(value: datetime) -> str:
    """Format a time for people, in UTC to the second: '2026-12-01 09:30:05 UTC'."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
