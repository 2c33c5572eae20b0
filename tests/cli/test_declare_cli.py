"""`flask users declare`: an operator records a declaration of interests an editor or board
member made, and the rule then lets them approve and sign."""

import json

from sqlalchemy import func, select

from reviewapp.domain import declarations
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Declaration
from reviewapp.rules.declarations import Standing
from reviewapp.rules.states import Role


def declare(runner, *args: str):
    return runner.invoke(args=["users", "declare", *args])


def test_an_operator_records_a_member_s_declaration(runner, make_user):
    member = make_user(Role.BOARD, email="ada@example.org", declared=False)
    result = declare(
        runner,
        "Ada@Example.org",
        "--kind",
        "financial",
        "--text",
        "Actions d'un laboratoire (2024).",
        "--specialty",
        "oncology",
        "--specialty",
        "haematology",
    )
    assert result.exit_code == 0, result.output
    assert "Recorded ada@example.org's declaration: a financial interest concerning" in (
        result.output
    )
    assert "oncology, haematology, valid until " in result.output
    db.session.expire_all()
    standing = declarations.standing_of(member)
    assert standing.standing is Standing.CURRENT
    assert standing.declaration.specialty_codes == ["oncology", "haematology"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "declaration.declare"))
    assert event.actor_label == "system"  # the command line, on the member's behalf
    assert json.loads(event.after)["user_id"] == member.id


def test_a_refused_declaration_says_why_and_records_nothing(runner, make_user):
    make_user(Role.EDITOR, email="eve@example.org", declared=False)
    result = declare(runner, "eve@example.org", "--kind", "financial", "--specialty", "oncology")
    assert result.exit_code == 1
    assert "Describe the interest" in result.output
    assert db.session.scalar(select(func.count(Declaration.id))) == 0
    refused = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "declaration.declare", AuditEvent.outcome == "refused"
        )
    )
    assert refused is not None


def test_an_unknown_specialty_kind_or_account_is_refused(runner, make_user):
    make_user(Role.BOARD, email="ben@example.org", declared=False)
    unknown = declare(runner, "ben@example.org", "--kind", "none", "--specialty", "astrology")
    assert unknown.exit_code == 2
    assert "astrology" in unknown.output
    assert declare(runner, "ben@example.org", "--kind", "maybe").exit_code == 2
    nobody = declare(runner, "nobody@example.org", "--kind", "none")
    assert nobody.exit_code == 1
    assert "No account with the email nobody@example.org." in nobody.output


def test_a_contributor_keeps_no_declaration(runner, make_user):
    make_user(Role.CONTRIBUTOR, email="cam@example.org")
    result = declare(runner, "cam@example.org", "--kind", "none")
    assert result.exit_code == 1
    assert "kept by medical editors and board members" in result.output
