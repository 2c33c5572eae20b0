"""Declarations of interests: approving and signing need a current one, and a declared
interest in the article's specialty needs a recusal or a justification for the version."""

import json

import pytest
from sqlalchemy import func, select

from reviewapp.domain import declarations
from reviewapp.domain.content import import_article
from reviewapp.domain.engine import allowed_actions, transition, why_not
from reviewapp.domain.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from reviewapp.domain.signoffs import MEANINGS, can_sign, sign_version, why_cannot_sign
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Declaration, Section, Signoff, Version
from reviewapp.rules import declarations as rules
from reviewapp.rules import specialties
from reviewapp.rules.clock import utcnow
from reviewapp.rules.declarations import Standing
from reviewapp.rules.states import Action, Audience, Kind, Role, State
from tests.conftest import TEST_PASSWORD, article_files
from tests.interests import interested, oncology_awaiting_signoff

C = Audience.CLINICIAN


def sign(member, version):
    return sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])


@pytest.fixture
def oncology(contributor, editor, board_members):
    return oncology_awaiting_signoff(contributor, editor, board_members)


# --- No declaration, or too old ---------------------------------------------------------


def test_a_member_without_a_declaration_is_refused_when_signing(oncology, make_user):
    member = make_user(Role.BOARD, declared=False)
    with pytest.raises(PermissionDenied) as refused:
        sign(member, oncology)
    assert "no declaration of interests" in refused.value.message
    assert rules.DECLARATION_PAGE in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count(Signoff.id))) == (
        db.session.scalar(select(func.count(Signoff.id)).where(Signoff.version_id != oncology.id))
    )
    # The page says so before anyone tries, in the same words.
    assert not can_sign(member, oncology)
    assert why_cannot_sign(member, oncology) == refused.value.message


def test_a_declaration_of_thirteen_months_is_too_old_and_one_of_eleven_is_not(oncology, make_user):
    stale, due = (make_user(Role.BOARD, declared=False) for _ in range(2))
    declarations.declare(None, stale, kind="none", at=rules.add_months(utcnow(), -13))
    declarations.declare(None, due, kind="none", at=rules.add_months(utcnow(), -11))
    db.session.commit()
    with pytest.raises(PermissionDenied, match="more than 12 months old"):
        sign(stale, oncology)
    db.session.rollback()
    assert declarations.standing_of(stale).standing is Standing.EXPIRED
    assert declarations.standing_of(due).standing is Standing.DUE
    assert declarations.standing_of(due).remind
    assert sign(due, oncology).content_hash == oncology.content_hash


def test_a_new_declaration_supersedes_the_old_one_and_both_are_kept(oncology, make_user):
    member = make_user(Role.BOARD, declared=False)
    old = declarations.declare(None, member, kind="none", at=rules.add_months(utcnow(), -14))
    new = declarations.declare(member, member, kind="none")
    db.session.commit()
    assert declarations.current_declaration(member) == new
    assert declarations.history(member) == [new, old]
    assert sign(member, oncology).signer_id == member.id
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "declaration.declare").order_by(AuditEvent.id)
    ).all()
    latest = json.loads(events[-1].after)
    assert latest["user_id"] == member.id
    assert latest["supersedes"] == old.id
    assert latest["kind"] == "none"


def test_an_editor_without_a_declaration_is_offered_no_approval_and_refused(
    make_article, make_user
):
    article = make_article()
    editor = make_user(Role.EDITOR, declared=False)
    version = latest_version(
        db.session.scalar(select(Section).where(Section.article_id == article.id)), C
    )
    transition(editor, version, Action.START_REVIEW)
    assert Action.APPROVE not in allowed_actions(editor, version)
    assert Action.REQUEST_CHANGES in allowed_actions(editor, version)
    assert "no declaration of interests" in why_not(editor, version, Action.APPROVE)
    with pytest.raises(PermissionDenied, match="declare their interests before they approve"):
        transition(editor, version, Action.APPROVE)
    db.session.rollback()
    assert version.workflow_state is State.SUBMITTED  # the refusal changed nothing
    declarations.declare(editor, editor, kind="none")
    transition(editor, version, Action.START_REVIEW)
    assert transition(editor, version, Action.APPROVE).workflow_state is State.AWAITING_SIGNOFF


# --- An interest in the article's specialty --------------------------------------------


def test_an_interest_in_the_article_s_specialty_refuses_the_signature(oncology, make_user):
    member = interested(make_user)
    with pytest.raises(PermissionDenied) as refused:
        sign(member, oncology)
    message = refused.value.message
    assert "a financial interest in Oncology, a specialty of this article" in message
    assert "record a recusal or a justification" in message
    assert f"/board/versions/{oncology.id}" in message


def test_a_justification_lets_the_member_sign_and_is_audited(oncology, make_user):
    member = interested(make_user)
    statement = declarations.record_statement(
        member, oncology, kind="justification", text="La section ne cite aucun sel de platine."
    )
    db.session.commit()
    assert why_cannot_sign(member, oncology) is None
    signoff = sign(member, oncology)
    assert signoff.signer_id == member.id
    assert statement.content_hash == oncology.content_hash
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "declaration.justify"))
    after = json.loads(event.after)
    assert after["text"] == "La section ne cite aucun sel de platine."
    assert after["specialties"] == ["oncology"]
    assert after["version_id"] == oncology.id
    assert declarations.statements_on([oncology.id])[oncology.id] == [statement]


def test_a_recusal_refuses_the_signature_for_good(oncology, make_user):
    member = interested(make_user, kind="non-financial")
    declarations.record_statement(member, oncology, kind="recusal")
    db.session.commit()
    with pytest.raises(PermissionDenied, match="You recused yourself from version 1 on"):
        sign(member, oncology)
    db.session.rollback()
    assert "cannot approve or sign it" in why_cannot_sign(member, oncology)
    with pytest.raises(TransitionNotAllowed, match="recusal for version 1 .* already"):
        declarations.record_statement(member, oncology, kind="justification", text="En fait…")
    db.session.rollback()
    # A later declaration without the interest does not lift it.
    declarations.declare(member, member, kind="none")
    with pytest.raises(PermissionDenied, match="recused"):
        sign(member, oncology)


def test_an_interest_in_another_specialty_needs_nothing(oncology, make_user):
    member = interested(make_user, codes=("cardiology",))
    assert declarations.conflicts(member, oncology) == []
    with pytest.raises(TransitionNotAllowed, match="nothing to justify"):
        declarations.record_statement(member, oncology, kind="justification", text="Rien.")
    db.session.rollback()
    assert sign(member, oncology).signer_id == member.id


def test_an_editor_with_an_interest_approves_only_after_a_justification(oncology, make_user):
    editor = interested(make_user, role=Role.EDITOR, codes=("palliative-care",))
    pending = latest_version(
        db.session.scalar(
            select(Section).where(Section.article_id == oncology.article_id, Section.key == "s1")
        ),
        C,
    )
    transition(editor, pending, Action.START_REVIEW)
    assert Action.APPROVE not in allowed_actions(editor, pending)
    assert "Palliative care" in why_not(editor, pending, Action.APPROVE)
    assert f"/review/versions/{pending.id}" in why_not(editor, pending, Action.APPROVE)
    declarations.record_statement(editor, pending, kind="justification", text="Aucun lien.")
    assert Action.APPROVE in allowed_actions(editor, pending)
    assert transition(editor, pending, Action.APPROVE).workflow_state is State.AWAITING_SIGNOFF


@pytest.mark.parametrize("kind", [Kind.SETTINGS, Kind.REFERENCE, Kind.FRONT_MATTER])
def test_parts_without_a_specialty_ask_only_for_a_current_declaration(
    kind, contributor, editor, board_members, make_user
):
    files = article_files(slug="parts")
    files.meta["specialty"] = "oncology"
    report = import_article(contributor, files)
    part = next(version for version in report.versions if version.kind_enum is kind)
    transition(editor, part, Action.START_REVIEW)
    transition(editor, part, Action.APPROVE)
    member = interested(make_user)
    assert declarations.conflicts(member, part) == []
    assert sign(member, part).signer_id == member.id
    undeclared = make_user(Role.BOARD, declared=False)
    with pytest.raises(PermissionDenied, match="no declaration of interests"):
        sign(undeclared, part)


def test_a_site_text_asks_only_for_a_current_declaration(editor, make_user, contributor):
    from reviewapp.domain import part_chains
    from reviewapp.domain.parts import submit_part

    part = part_chains.site_text_part("editorial_policy")
    version = submit_part(
        contributor,
        part,
        {"key": "editorial_policy", "text": "Nos règles."},
        base_version_id=None,
        change_summary="",
    )
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    member = interested(make_user)
    assert sign(member, version).signer_id == member.id
    stale = make_user(Role.BOARD, declared=False)
    declarations.declare(None, stale, kind="none", at=rules.add_months(utcnow(), -12))
    with pytest.raises(PermissionDenied, match="more than 12 months old"):
        sign(stale, version)


# --- Making a declaration --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "codes", "field", "message"),
    [
        ("maybe", "", [], "kind", "Choose what you declare"),
        ("none", "", ["oncology"], "specialties", "names no specialty"),
        ("financial", "", ["oncology"], "text", "Describe the interest"),
        ("financial", "Actions Pfizer.", [], "specialties", "Name the specialties"),
        ("non-financial", "Essai.", ["astrology"], "specialties", "astrology"),
        ("financial", "x" * 5001, ["oncology"], "text", "longer than 5,000"),
    ],
)
def test_a_declaration_is_refused_with_the_field_at_fault(
    make_user, kind, text, codes, field, message
):
    member = make_user(Role.BOARD, declared=False)
    with pytest.raises(ValidationError, match=message) as refused:
        declarations.declare(member, member, kind=kind, text=text, specialty_codes=codes)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count(Declaration.id))) == 0


def test_only_editors_and_board_members_declare_and_only_for_themselves(make_user):
    contributor = make_user(Role.CONTRIBUTOR)
    member, other = make_user(Role.BOARD), make_user(Role.BOARD)
    with pytest.raises(PermissionDenied, match="kept by medical editors and board members"):
        declarations.declare(contributor, contributor, kind="none")
    with pytest.raises(PermissionDenied, match="their own declaration"):
        declarations.declare(member, other, kind="none")


def test_a_recusal_needs_a_current_declaration(oncology, make_user):
    member = make_user(Role.BOARD, declared=False)
    with pytest.raises(PermissionDenied, match="no declaration"):
        declarations.record_statement(member, oncology, kind="recusal")
    with pytest.raises(ValidationError, match="recusal or a justification"):
        declarations.record_statement(member, oncology, kind="abstention")


def test_no_statement_after_the_step_it_would_come_before(oncology, make_user, editor):
    member = make_user(Role.BOARD)
    sign(member, oncology)
    with pytest.raises(TransitionNotAllowed, match="You signed version 1 already"):
        declarations.record_statement(member, oncology, kind="recusal")
    with pytest.raises(TransitionNotAllowed, match="You approved version 1 already"):
        declarations.record_statement(editor, oncology, kind="recusal")


def test_a_justification_needs_its_text(oncology, make_user):
    member = interested(make_user)
    with pytest.raises(ValidationError, match="Say why") as refused:
        declarations.record_statement(member, oncology, kind="justification", text="  ")
    assert refused.value.field == "text"


def test_the_vocabulary_reads_codes_and_labels_in_both_languages():
    assert specialties.read_names("Oncologie, palliative care; ONCOLOGY") == (
        ["oncology", "palliative-care"],
        [],
    )
    assert specialties.read_names("oncologie, astrologie")[1] == ["astrologie"]
    assert "astrologie" in specialties.names_problem("astrologie")
    assert specialties.names_problem("") is None
    assert specialties.label("oncology", "fr") == "Oncologie"


def test_the_awaiting_version_is_still_awaiting_after_every_refusal(oncology, make_user):
    member = make_user(Role.BOARD, declared=False)
    with pytest.raises(PermissionDenied):
        sign(member, oncology)
    db.session.rollback()
    assert db.session.get(Version, oncology.id).workflow_state is State.AWAITING_SIGNOFF
