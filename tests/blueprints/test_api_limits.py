"""Every field limit of the API: one character over is 422 naming the field, the limit fits."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import (
    AuditEvent,
    Comment,
    Objection,
    Section,
    Signoff,
    Version,
    VersionTransition,
)
from reviewapp.rules import limits
from reviewapp.rules.states import Action, Audience, Role
from tests.conftest import next_version

API = "/api/v1"
C = Audience.CLINICIAN


@dataclass
class World:
    """The rows and tokens each limited field is sent to."""

    client: FlaskClient
    writer: dict[str, str]
    reviewer: dict[str, str]
    board: dict[str, str]
    newest: int
    under_review: int
    awaiting: int

    def post(self, headers: dict[str, str], path: str, body: dict):
        return self.client.post(API + path, json=body, headers=headers)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# The board member's password is exactly as long as a password may be, so that signing at
# the limit can succeed.
LONGEST_PASSWORD = "p" * limits.PASSWORD


@pytest.fixture
def world(client, make_article, make_user, contributor, editor, api_token) -> World:
    make_article(approve="all")
    sections = {s.key: s for s in db.session.scalars(select(Section))}
    under_review = next_version(contributor, sections["s2"], C)
    transition(editor, under_review, Action.START_REVIEW)
    awaiting = next_version(contributor, sections["s3"], C)
    transition(editor, awaiting, Action.START_REVIEW)
    transition(editor, awaiting, Action.APPROVE)
    member = make_user(Role.BOARD, name="Dr Longue")
    member.set_password(LONGEST_PASSWORD, "pbkdf2:sha256:1000")
    db.session.commit()
    return World(
        client=client,
        writer=bearer(api_token(contributor)),
        reviewer=bearer(api_token(editor)),
        board=bearer(api_token(member)),
        newest=latest_version(sections["s1"], C).id,
        under_review=under_review.id,
        awaiting=awaiting.id,
    )


def submit(world: World, **fields: str):
    body = {
        "heading": "Section 1",
        "body": "Nouveau texte [@ref-1].",
        "base_version": world.newest,
        "provenance": "human",
        "change_summary": "Mise à jour.",
        "public_note": "Texte mis à jour.",
        **fields,
    }
    return world.post(world.writer, "/articles/test-article/sections/s1/clinician/versions", body)


@dataclass(frozen=True)
class Limit:
    field: str
    limit: int
    send: Callable[[World, str], object]
    # What a value of exactly `limit` characters gets; `fill` builds such a value.
    fits: int
    fill: Callable[[int], str] = lambda length: "x" * length


LIMITS = [
    Limit("heading", limits.HEADING, lambda w, value: submit(w, heading=value), 201),
    Limit("body", limits.BODY, lambda w, value: submit(w, body=value), 201),
    Limit("change_summary", limits.CHANGE_SUMMARY, lambda w, v: submit(w, change_summary=v), 201),
    Limit("public_note", limits.PUBLIC_NOTE, lambda w, v: submit(w, public_note=v), 201),
    Limit(
        "provenance",
        limits.PROVENANCE,
        lambda w, value: submit(w, provenance=value),
        201,
        fill=lambda length: "tool:" + "x" * (length - len("tool:")),
    ),
    Limit(
        "body",
        limits.COMMENT,
        lambda w, value: w.post(
            w.reviewer, f"/versions/{w.under_review}/comments", {"body": value}
        ),
        201,
    ),
    Limit(
        "comment",
        limits.TRANSITION_COMMENT,
        lambda w, value: w.post(
            w.reviewer,
            f"/versions/{w.under_review}/transitions",
            {"action": "request_changes", "comment": value},
        ),
        200,
    ),
    Limit(
        "reason",
        limits.OBJECTION_REASON,
        lambda w, value: w.post(w.board, f"/versions/{w.awaiting}/objections", {"reason": value}),
        200,
    ),
    Limit(
        "password",
        limits.PASSWORD,
        lambda w, value: w.post(
            w.board,
            f"/versions/{w.awaiting}/signoffs",
            {"password": value, "meaning": MEANINGS[0]},
        ),
        201,
        fill=lambda length: "p" * length,
    ),
    # No meaning is that long: at the limit the length passes and the choice is refused.
    Limit(
        "meaning",
        limits.MEANING,
        lambda w, value: w.post(
            w.board,
            f"/versions/{w.awaiting}/signoffs",
            {"password": LONGEST_PASSWORD, "meaning": value},
        ),
        422,
    ),
]
IDS = [f"{limit.field}-{limit.limit}" for limit in LIMITS]


def stored() -> tuple:
    """Return what a refused request must leave as it was."""
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Version, VersionTransition, Comment, Signoff, Objection, AuditEvent)
    )
    return counts, tuple(db.session.scalars(select(Version.state).order_by(Version.id)))


@pytest.mark.parametrize("case", LIMITS, ids=IDS)
def test_one_character_over_the_limit_is_422_naming_the_field(world, case):
    before = stored()
    response = case.send(world, case.fill(case.limit + 1))
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == case.field
    assert f"Longer than {case.limit:,} characters." in error["message"]
    db.session.expire_all()
    assert stored() == before


@pytest.mark.parametrize("case", LIMITS, ids=IDS)
def test_exactly_the_limit_fits(world, case):
    response = case.send(world, case.fill(case.limit))
    assert response.status_code == case.fits, response.json
    if case.fits == 422:
        assert response.json["error"]["field"] == case.field
        assert "Longer than" not in response.json["error"]["message"]
