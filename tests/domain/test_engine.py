"""The workflow engine: the whole transition table, the system's moves, and its guard."""

import pytest
from sqlalchemy import select

from reviewapp.domain.engine import allowed_actions, can_take, transition
from reviewapp.domain.errors import PermissionDenied, TransitionNotAllowed
from reviewapp.domain.signoffs import MEANINGS, object_to_version, sign_version
from reviewapp.domain.versions import latest_version
from reviewapp.domain.withdrawals import withdraw
from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Version, VersionTransition
from reviewapp.models.version import StateAssignedOutsideEngine
from reviewapp.rules.states import TRANSITIONS, Action, Role, State
from tests.conftest import TEST_PASSWORD, next_version
from tests.domain.test_workflow import C, section, version_in

S, UR, AW, CR, RJ, AP, SU, WD = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.AWAITING_SIGNOFF,
    State.CHANGES_REQUESTED,
    State.REJECTED,
    State.APPROVED,
    State.SUPERSEDED,
    State.WITHDRAWN,
)
CONFLICT, FORBIDDEN = TransitionNotAllowed, PermissionDenied

# What a person may ask for, written out by hand from PRODUCT.md's workflow rather than read
# from the table, so that the table is checked against the product: (state, action) → (the
# role that may take it, the state it leads to). The article needs two signatures, so one
# signature on a version awaiting sign-off leaves it awaiting.
BY_A_PERSON = {
    (S, Action.START_REVIEW): (Role.EDITOR, UR),
    (UR, Action.REQUEST_CHANGES): (Role.EDITOR, CR),
    (UR, Action.REJECT): (Role.EDITOR, RJ),
    (UR, Action.APPROVE): (Role.EDITOR, AW),
    (AW, Action.SIGN): (Role.BOARD, AW),
    (AP, Action.SIGN): (Role.BOARD, AP),
    (AW, Action.OBJECT): (Role.BOARD, CR),
    # Published wording is withdrawn at once; nothing leaves Withdrawn.
    (AP, Action.WITHDRAW): (Role.EDITOR, WD),
    # Re-review: published wording stays Approved; an editor opens it or sends it for
    # revision, and a board member's objection sends it for revision too.
    (AP, Action.OPEN_RE_REVIEW): (Role.EDITOR, AP),
    (AP, Action.SEND_FOR_REVISION): (Role.EDITOR, AP),
    (AP, Action.OBJECT): (Role.BOARD, AP),
}
# Moves that follow from another one: the engine takes them, never a person's request.
BY_THE_SYSTEM = {
    (AW, Action.QUORUM): AP,
    (S, Action.SUPERSEDE): SU,
    (UR, Action.SUPERSEDE): SU,
    (AW, Action.SUPERSEDE): SU,
    (AP, Action.REINSTATE): AP,
    (AP, Action.RE_CERTIFY): AP,
}
ROLES = (Role.CONTRIBUTOR, Role.EDITOR, Role.BOARD, Role.ADMIN)


def expected_answer(state: State, action: Action, role: Role):
    """A role that never takes an action is refused it (403) before its state is looked at."""
    takers = {who for (_, taken), (who, _) in BY_A_PERSON.items() if taken is action}
    if role not in takers:
        return FORBIDDEN
    if (state, action) in BY_A_PERSON:
        return BY_A_PERSON[(state, action)][1]
    return CONFLICT


def ask(actor, version: Version, action: Action) -> Version:
    """Ask for `action` through the operation a person uses for it."""
    if action is Action.SIGN:
        sign_version(actor, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    elif action is Action.OBJECT:
        object_to_version(actor, version, "Une objection motivée.")
    elif action is Action.WITHDRAW:
        withdraw(actor, version, reason="Une raison publique.")
    else:
        transition(actor, version, action, "Une raison.")
    return version


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", [S, UR, AW, CR, RJ, AP, SU, WD])
def test_engine_answers_every_state_action_and_role(
    make_article, make_user, contributor, editor, board_members, state, action
):
    make_article()
    db.session.scalar(select(Article)).required_signoffs = 2
    version = version_in(state, contributor, editor, board_members)
    # Refusals change nothing, so every role asks the same version; the one allowed goes last.
    answers = {role: expected_answer(state, action, role) for role in ROLES}
    for role in sorted(ROLES, key=lambda r: answers[r] not in (CONFLICT, FORBIDDEN)):
        actor, expected = make_user(role), answers[role]
        allowed = expected not in (CONFLICT, FORBIDDEN)
        assert can_take(actor, version, action) is allowed, role
        assert (action in allowed_actions(actor, version)) is allowed, role
        steps = db.session.scalar(select(db.func.count(VersionTransition.id)))
        if not allowed:
            with pytest.raises(expected):
                ask(actor, version, action)
            db.session.rollback()
            db.session.refresh(version)
            assert version.workflow_state is state
            assert db.session.scalar(select(db.func.count(VersionTransition.id))) == steps
            continue
        ask(actor, version, action)
        db.session.commit()
        assert version.workflow_state is expected
        step = db.session.scalar(
            select(VersionTransition).order_by(VersionTransition.id.desc()).limit(1)
        )
        assert (step.action, step.from_state, step.to_state) == (
            action.value,
            state.value,
            expected.value,
        )
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert event.action == TRANSITIONS[(state, action)].event
        assert event.actor_id == actor.id


def test_the_signature_that_completes_the_quorum_approves_and_publishes(
    make_article, make_user, contributor, editor
):
    make_article()
    article = db.session.scalar(select(Article))
    article.required_signoffs = 2
    first, second = make_user(Role.BOARD), make_user(Role.BOARD)
    version = version_in(AW, contributor, editor)
    sign_version(first, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    assert version.workflow_state is AW
    assert section().published_clinician_id != version.id
    sign_version(second, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    assert version.workflow_state is AP
    assert section().published_clinician_id == version.id
    steps = db.session.scalars(
        select(VersionTransition.action)
        .where(VersionTransition.version_id == version.id)
        .order_by(VersionTransition.id)
    ).all()
    assert steps[-3:] == ["sign", "sign", "signoff_quorum"]
    events = db.session.scalars(
        select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(2)
    ).all()
    assert events == ["version.publish", "signoff.sign"]


@pytest.mark.parametrize(("state", "superseded"), [(S, True), (UR, True), (AW, True), (CR, False)])
def test_a_new_submission_supersedes_only_pending_versions(
    make_article, contributor, editor, state, superseded
):
    make_article()
    db.session.scalar(select(Article)).required_signoffs = 2
    version = version_in(state, contributor, editor)
    next_version(contributor, section(), C)
    db.session.commit()
    assert (version.workflow_state is SU) is superseded


@pytest.mark.parametrize("action", [Action.QUORUM, Action.SUPERSEDE, Action.REINSTATE])
def test_nobody_can_ask_for_a_system_move(make_article, make_user, contributor, editor, action):
    make_article()
    db.session.scalar(select(Article)).required_signoffs = 2
    version = version_in(AW, contributor, editor)
    for role in ROLES:
        with pytest.raises(PermissionDenied, match="taken by the system"):
            transition(make_user(role), version, action)
        db.session.rollback()
    assert version.workflow_state is AW


def test_a_signature_or_objection_needs_its_operation(make_article, make_user, contributor, editor):
    make_article()
    version = version_in(AW, contributor, editor)
    member = make_user(Role.BOARD)
    for action in (Action.SIGN, Action.OBJECT):
        with pytest.raises(TransitionNotAllowed, match="form"):
            transition(member, version, action, "Sans formulaire.")
        db.session.rollback()
    assert version.workflow_state is AW


def test_assigning_a_state_outside_the_engine_raises(make_article):
    make_article()
    version = latest_version(section(), C)
    with pytest.raises(StateAssignedOutsideEngine):
        version.state = State.APPROVED.value
    assert version.state == State.SUBMITTED.value
    with pytest.raises(StateAssignedOutsideEngine):
        Version(state=State.APPROVED.value)
