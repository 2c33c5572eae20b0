"""The review screen's "Assignment" panel: who holds a version, when it is due, the controls."""

from dataclasses import dataclass
from datetime import datetime

from flask import g
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from reviewapp.domain.assignments import (
    ASSIGN,
    ASSIGNABLE_STATES,
    CLAIM,
    RELEASE,
    assignable_editors,
    can_hold,
    is_overdue,
)
from reviewapp.models import User, Version
from reviewapp.rules.states import Role

HOLD_ACTIONS = (CLAIM, ASSIGN, RELEASE)


class HoldForm(FlaskForm):
    """The claim and release buttons: only their CSRF token is checked."""


class AssignForm(FlaskForm):
    # Choices are the editors who may hold the version; anything else is refused by the domain.
    assignee_id = SelectField("Assign to", coerce=int, validate_choice=False)


@dataclass(frozen=True)
class AssignmentPanel:
    holder: User | None
    assigned_at: datetime | None
    due_at: datetime | None
    overdue: bool
    # What the signed-in editor may do here; all False for anyone else.
    can_claim: bool
    can_release: bool
    assign_form: AssignForm | None
    # Why the claim, assignment or release just asked for was refused, shown by the controls.
    refusal: str | None = None


def panel(version: Version, assign_form: AssignForm | None = None) -> AssignmentPanel:
    """Gather what the assignment panel shows to the signed-in person."""
    editing = current_user.has_role(Role.EDITOR) and version.workflow_state in ASSIGNABLE_STATES
    holder = version.assignee
    form = None
    if editing:
        choices = [
            SelectChoice(user.id, user.printed_name)
            for user in assignable_editors(version)
            if holder is None or user.id != holder.id
        ]
        if choices:
            form = assign_form or AssignForm(formdata=None)
            form.assignee_id.choices = choices
    return AssignmentPanel(
        holder=holder,
        assigned_at=version.assigned_at,
        due_at=version.due_at,
        overdue=is_overdue(version),
        can_claim=editing and holder is None and can_hold(current_user, version),
        can_release=editing and holder is not None,
        assign_form=form,
        refusal=refusal.message
        if (refusal := g.get("refusal")) is not None and refusal.action in HOLD_ACTIONS
        else None,
    )
