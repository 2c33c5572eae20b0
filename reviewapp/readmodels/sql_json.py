"""Rows gathered into JSON by the database, so a page loads in a fixed number of queries.

A correlated subquery over `json_rows(...)` brings an article's authors or a section's
pending versions back inside the parent's row instead of one more query per collection.
SQLite and PostgreSQL spell JSON aggregation differently; both answer text here.
"""

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, literal_column

_NAME = re.compile(r"[a-z_]+")


def json_rows(dialect: str, **columns: ColumnElement) -> ColumnElement[str]:
    """Return an aggregate: the group's rows as a JSON array of objects ('[]' for none)."""
    pairs: list[ColumnElement] = []
    for name, column in columns.items():
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain key: {name!r}")
        # A literal key, not a bound parameter: PostgreSQL cannot type a parameter here.
        pairs += [literal_column(f"'{name}'"), column]
    if dialect == "postgresql":
        return func.coalesce(cast(func.json_agg(func.json_build_object(*pairs)), Text), "[]")
    return func.json_group_array(func.json_object(*pairs))


def parse_rows(text: str | None, *, times: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Decode `json_rows` text; the keys in `times` become aware UTC datetimes."""
    rows = json.loads(text or "[]")
    for row in rows:
        for key in times:
            if row[key] is not None:
                # Both databases hold naive UTC (columns.UTCDateTime).
                row[key] = datetime.fromisoformat(row[key]).replace(tzinfo=UTC)
    return rows
