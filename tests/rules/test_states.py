"""The rules layer: the transition table is the product's workflow, and nothing impure."""

import ast
from pathlib import Path

from reviewapp.rules.states import (
    NOT_REVIEW_ACTIONS,
    REVIEW_ACTIONS,
    TRANSITIONS,
    Action,
    Role,
    State,
    System,
)
from tests.domain.test_engine import BY_A_PERSON, BY_THE_SYSTEM

RULES = Path(__file__).resolve().parents[2] / "reviewapp" / "rules"


def test_the_table_is_the_products_workflow():
    declared = {key: (row.who, row.target) for key, row in TRANSITIONS.items() if not row.by_system}
    assert declared == BY_A_PERSON
    system = {key: row.target for key, row in TRANSITIONS.items() if row.by_system}
    assert system == BY_THE_SYSTEM
    assert all(row.who is System.ENGINE for row in TRANSITIONS.values() if row.by_system)
    assert {action for _, action in TRANSITIONS} == set(Action)
    assert all(row.event for row in TRANSITIONS.values())
    # Approval is a declared move (the board's quorum), not a side effect somewhere else;
    # the other moves that end in Approved start there (a late signature, a re-review).
    assert [
        row.action
        for row in TRANSITIONS.values()
        if row.target is State.APPROVED and row.source is not State.APPROVED
    ] == [Action.QUORUM]


def test_only_a_reason_bearing_move_requires_one():
    requiring = {row.action for row in TRANSITIONS.values() if row.reason_required}
    assert requiring == {
        Action.REQUEST_CHANGES,
        Action.REJECT,
        Action.OBJECT,
        Action.WITHDRAW,
        Action.SEND_FOR_REVISION,
    }


def test_the_review_screen_offers_the_editors_moves_only():
    # Withdrawing is an editor's move but no review step: it has its own form and operation.
    assert (
        set(REVIEW_ACTIONS)
        == {row.action for row in TRANSITIONS.values() if row.who is Role.EDITOR}
        - NOT_REVIEW_ACTIONS
    )
    assert Action.WITHDRAW in NOT_REVIEW_ACTIONS


def test_rules_import_neither_flask_nor_the_database():
    for module in RULES.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {
            (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not imported & {"flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug"}, module
        internal = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reviewapp")
        }
        assert all(name.startswith("reviewapp.rules") for name in internal), module
