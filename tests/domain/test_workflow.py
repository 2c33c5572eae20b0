"""The workflow rules, table-driven, through the domain layer that every entry point calls."""

import pytest
from sqlalchemy import func, select

from reviewapp.domain.audit import record_refusal, verify_chain
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.engine import allowed_actions, transition
from reviewapp.domain.errors import (
    PermissionDenied,
    StaleVersion,
    TransitionNotAllowed,
    ValidationError,
)
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.domain.withdrawals import withdraw
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, Version
from reviewapp.rules.states import REVIEW_ACTIONS, TRANSITIONS, Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD

C = Audience.CLINICIAN
S, UR, AW, CR, RJ, AP, SU = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.AWAITING_SIGNOFF,
    State.CHANGES_REQUESTED,
    State.REJECTED,
    State.APPROVED,
    State.SUPERSEDED,
)
OK, CONFLICT, FORBIDDEN = "ok", TransitionNotAllowed, PermissionDenied


def section(key: str = "s1") -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def version_in(state: State, contributor, editor, board=()) -> Version:
    """Drive the s1 clinician chain of the test article to a version in `state`."""
    version = latest_version(section(), C)
    if state is SU:
        submit_version(
            contributor,
            section(),
            C,
            heading="Section 1",
            body="Nouveau.",
            base_version_id=version.id,
        )
        return version
    if state is not S:
        transition(editor, version, Action.START_REVIEW)
    follow_up = {
        CR: Action.REQUEST_CHANGES,
        RJ: Action.REJECT,
        AW: Action.APPROVE,
        AP: Action.APPROVE,
    }
    if state in follow_up:
        transition(editor, version, follow_up[state], "Raison.")
    if state is AP:
        for member in board:
            sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
        assert version.workflow_state is AP
    if state is State.WITHDRAWN:
        transition(editor, version, Action.APPROVE)
        for member in board:
            sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
        withdraw(editor, version, reason="Retirée par prudence.")
        assert version.workflow_state is State.WITHDRAWN
    db.session.commit()
    return version


# (state, action, role of the actor, expected): written out by hand, not derived from the
# transition table, so the table is checked against the product's rules.
CASES = [
    (S, Action.START_REVIEW, Role.EDITOR, UR),
    (S, Action.START_REVIEW, Role.CONTRIBUTOR, FORBIDDEN),
    (S, Action.START_REVIEW, Role.BOARD, FORBIDDEN),
    (S, Action.START_REVIEW, Role.ADMIN, FORBIDDEN),
    (S, Action.APPROVE, Role.EDITOR, CONFLICT),
    (S, Action.REQUEST_CHANGES, Role.EDITOR, CONFLICT),
    (S, Action.REJECT, Role.EDITOR, CONFLICT),
    (UR, Action.APPROVE, Role.EDITOR, AW),
    (UR, Action.REQUEST_CHANGES, Role.EDITOR, CR),
    (UR, Action.REJECT, Role.EDITOR, RJ),
    (UR, Action.START_REVIEW, Role.EDITOR, CONFLICT),
    (UR, Action.APPROVE, Role.CONTRIBUTOR, FORBIDDEN),
    (UR, Action.APPROVE, Role.BOARD, FORBIDDEN),
    (UR, Action.APPROVE, Role.ADMIN, FORBIDDEN),
    (AW, Action.APPROVE, Role.EDITOR, CONFLICT),
    (AW, Action.REJECT, Role.EDITOR, CONFLICT),
    (AW, Action.REQUEST_CHANGES, Role.EDITOR, CONFLICT),
    (AW, Action.START_REVIEW, Role.EDITOR, CONFLICT),
    # A board member never approves: refused for the role, whatever the state.
    (AW, Action.APPROVE, Role.BOARD, FORBIDDEN),
    (CR, Action.APPROVE, Role.EDITOR, CONFLICT),
    (CR, Action.START_REVIEW, Role.EDITOR, CONFLICT),
    (RJ, Action.APPROVE, Role.EDITOR, CONFLICT),
    (RJ, Action.START_REVIEW, Role.EDITOR, CONFLICT),
    (AP, Action.APPROVE, Role.EDITOR, CONFLICT),
    (AP, Action.REJECT, Role.EDITOR, CONFLICT),
    (AP, Action.START_REVIEW, Role.EDITOR, CONFLICT),
    (SU, Action.START_REVIEW, Role.EDITOR, CONFLICT),
    (SU, Action.APPROVE, Role.EDITOR, CONFLICT),
]


@pytest.mark.parametrize(("state", "action", "role", "expected"), CASES)
def test_transition_table(
    make_article, make_user, contributor, editor, board_members, state, action, role, expected
):
    make_article()
    version = version_in(state, contributor, editor, board_members)
    actor = make_user(role)
    before = version.state
    if expected in (CONFLICT, FORBIDDEN):
        with pytest.raises(expected) as raised:
            transition(actor, version, action, "Une raison.")
        db.session.rollback()
        record_refusal(actor, raised.value)
        db.session.commit()
        db.session.refresh(version)
        assert version.state == before
        refusal = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert refusal.outcome == "refused"
        assert refusal.action == f"version.{action.value}"
        assert refusal.target_id == version.id
        assert refusal.message == raised.value.message
        assert refusal.actor_id == actor.id
    else:
        transition(actor, version, action, "Une raison.")
        db.session.commit()
        assert version.workflow_state is expected


# The moves on pending versions; re-review's, on published wording, are in
# tests/blueprints/test_re_review.py.
@pytest.mark.parametrize(
    "action", [action for action in REVIEW_ACTIONS if (State.APPROVED, action) not in TRANSITIONS]
)
def test_nobody_acts_on_their_own_version(make_article, make_user, action):
    make_article()
    writer_editor = make_user(Role.CONTRIBUTOR, Role.EDITOR)
    other_editor = make_user(Role.EDITOR)
    base = latest_version(section(), C)
    own = submit_version(
        writer_editor, section(), C, heading="Section 1", body="Mien.", base_version_id=base.id
    )
    if action is not Action.START_REVIEW:
        transition(other_editor, own, Action.START_REVIEW)
    state = own.state
    with pytest.raises(PermissionDenied, match="authored"):
        transition(writer_editor, own, action, "Commentaire.")
    assert own.state == state
    assert allowed_actions(writer_editor, own) == []


@pytest.mark.parametrize("action", [Action.REQUEST_CHANGES, Action.REJECT])
def test_request_changes_and_reject_need_a_comment(make_article, editor, contributor, action):
    make_article()
    version = version_in(UR, contributor, editor)
    with pytest.raises(ValidationError, match="comment is required"):
        transition(editor, version, action, "   ")
    assert version.workflow_state is UR


def test_approval_waits_for_comments_to_be_resolved(make_article, editor, contributor):
    make_article()
    version = version_in(UR, contributor, editor)
    comment = add_comment(editor, version, "Vérifier la posologie.")
    with pytest.raises(TransitionNotAllowed, match="1 comment is still unresolved"):
        transition(editor, version, Action.APPROVE)
    reply = add_comment(contributor, version, "Vérifiée.")
    resolve_comment(editor, comment)
    resolve_comment(contributor, reply)
    transition(editor, version, Action.APPROVE)
    assert version.workflow_state is AW


def test_comment_rules(make_article, make_user, editor, contributor):
    make_article()
    version = version_in(S, contributor, editor)
    stranger = make_user(Role.CONTRIBUTOR)
    with pytest.raises(PermissionDenied):
        add_comment(stranger, version, "Je passe.")
    with pytest.raises(ValidationError, match="empty"):
        add_comment(editor, version, "  ")
    comment = add_comment(editor, version, "Bien.")
    with pytest.raises(PermissionDenied):
        resolve_comment(stranger, comment)
    resolve_comment(editor, comment)
    with pytest.raises(TransitionNotAllowed, match="already resolved"):
        resolve_comment(editor, comment)


def test_new_submission_supersedes_a_pending_one(make_article, contributor, editor):
    make_article()
    first = version_in(UR, contributor, editor)
    second = submit_version(
        contributor, section(), C, heading="Section 1", body="Deuxième.", base_version_id=first.id
    )
    assert first.workflow_state is SU
    assert second.number == 2
    assert second.parent_id == first.id
    assert second.workflow_state is S


def test_changes_requested_version_is_kept_as_parent(make_article, contributor, editor):
    make_article()
    first = version_in(CR, contributor, editor)
    second = submit_version(
        contributor, section(), C, heading="Section 1", body="Corrigé.", base_version_id=first.id
    )
    assert first.workflow_state is CR
    assert second.parent_id == first.id


def test_stale_base_is_refused_and_names_the_current_version(make_article, contributor, make_user):
    make_article()
    base = latest_version(section(), C)
    other = make_user(Role.CONTRIBUTOR)
    newer = submit_version(
        other, section(), C, heading="Section 1", body="Plus récent.", base_version_id=base.id
    )
    with pytest.raises(StaleVersion) as raised:
        submit_version(
            contributor, section(), C, heading="Section 1", body="Le mien.", base_version_id=base.id
        )
    assert raised.value.current_version_id == newer.id
    assert raised.value.status == 409


def test_change_summary_required_after_an_approval(make_article, contributor):
    make_article(approve=(("s1", C),))
    base = latest_version(section(), C)
    with pytest.raises(ValidationError, match="change summary"):
        submit_version(
            contributor, section(), C, heading="Section 1", body="Modifié.", base_version_id=base.id
        )
    version = submit_version(
        contributor,
        section(),
        C,
        heading="Section 1",
        body="Modifié.",
        base_version_id=base.id,
        change_summary="Mise à jour selon la recommandation 2025.",
    )
    assert version.change_summary.startswith("Mise à jour")


def test_unknown_citation_is_refused_with_its_name_and_line(make_article, contributor):
    make_article()
    base = latest_version(section(), C)
    count = db.session.scalar(select(func.count(Version.id)))
    with pytest.raises(ValidationError, match="Unknown citation key 'nope' in the text on line 2"):
        submit_version(
            contributor,
            section(),
            C,
            heading="Section 1",
            body="Ligne un.\nLigne deux [@nope].",
            base_version_id=base.id,
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count(Version.id))) == count


@pytest.mark.parametrize(
    ("provenance", "ok"),
    [("human", True), ("tool:drafter 1.2", True), ("tool:", False), ("robot", False), ("", False)],
)
def test_provenance_is_a_person_or_a_named_tool(make_article, contributor, provenance, ok):
    make_article()
    base = latest_version(section(), C)

    def submit():
        return submit_version(
            contributor,
            section(),
            C,
            heading="Section 1",
            body="Texte.",
            base_version_id=base.id,
            provenance=provenance,
        )

    if ok:
        assert submit().is_tool_drafted is provenance.startswith("tool:")
    else:
        with pytest.raises(ValidationError, match="Provenance"):
            submit()


def test_identical_wording_is_not_a_new_version(make_article, contributor):
    make_article()
    base = latest_version(section(), C)
    with pytest.raises(ValidationError, match="identical to version 1"):
        submit_version(
            contributor, section(), C, heading=base.heading, body=base.body, base_version_id=base.id
        )


def test_every_change_is_in_an_intact_audit_chain(make_article, contributor, editor):
    make_article(approve="all")
    checked, broken = verify_chain()
    assert broken is None
    assert checked == db.session.scalar(select(func.count(AuditEvent.id)))
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "version.submit",
        "version.start_review",
        "version.approve",
        "content.import",
    } <= actions
