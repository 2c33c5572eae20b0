"""Field limits are the domain's: every operation refuses an over-long field, naming it."""

import pytest

from reviewapp.domain.comments import add_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import ValidationError
from reviewapp.domain.signoffs import MEANINGS, object_to_version, sign_version
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.rules import limits
from reviewapp.rules.states import Action, Role, State
from tests.domain.test_workflow import C, section, version_in


def over(limit: int) -> str:
    return "x" * (limit + 1)


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("heading", limits.HEADING),
        ("body", limits.BODY),
        ("change_summary", limits.CHANGE_SUMMARY),
        ("public_note", limits.PUBLIC_NOTE),
        ("provenance", limits.PROVENANCE),
    ],
)
def test_submission_refuses_each_over_long_field(make_article, contributor, field, limit):
    make_article()
    base = latest_version(section(), C)
    fields = {"heading": "Titre", "body": "Texte.", "change_summary": "", "provenance": "human"}
    fields[field] = "tool:" + over(limit) if field == "provenance" else over(limit)
    with pytest.raises(ValidationError) as refused:
        submit_version(contributor, section(), C, base_version_id=base.id, **fields)
    assert refused.value.field == field
    assert f"{limit:,} characters" in refused.value.message


def test_a_field_at_its_limit_is_accepted(make_article, contributor):
    make_article()
    base = latest_version(section(), C)
    version = submit_version(
        contributor,
        section(),
        C,
        heading="x" * limits.HEADING,
        body="y" * limits.BODY,
        base_version_id=base.id,
    )
    assert len(version.heading) == limits.HEADING


def test_comments_reasons_and_passwords_have_limits(make_article, make_user, contributor, editor):
    make_article()
    version = version_in(State.UNDER_REVIEW, contributor, editor)
    with pytest.raises(ValidationError) as refused:
        add_comment(editor, version, over(limits.COMMENT))
    assert refused.value.field == "body"
    with pytest.raises(ValidationError) as refused:
        transition(editor, version, Action.REQUEST_CHANGES, over(limits.TRANSITION_COMMENT))
    assert refused.value.field == "comment"
    transition(editor, version, Action.APPROVE)
    member = make_user(Role.BOARD)
    with pytest.raises(ValidationError) as refused:
        object_to_version(member, version, over(limits.OBJECTION_REASON))
    assert refused.value.field == "reason"
    with pytest.raises(ValidationError) as refused:
        sign_version(member, version, password=over(limits.PASSWORD), meaning=MEANINGS[0])
    assert refused.value.field == "password"
    assert version.workflow_state is State.AWAITING_SIGNOFF
