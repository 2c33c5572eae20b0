"""Board forms: sign-off with password re-entry, objection, audit filters."""

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from reviewapp.domain.signoffs import MEANINGS
from reviewapp.rules import audit_actions, limits
from reviewapp.rules.declarations import STATEMENT_TEXT, StatementKind


class SignForm(FlaskForm):
    meaning = SelectField(
        "Meaning of your signature",
        choices=[SelectChoice(meaning, meaning) for meaning in MEANINGS],
        validators=[DataRequired()],
    )
    password = PasswordField(
        "Your password, to sign", validators=[DataRequired(), Length(max=limits.PASSWORD)]
    )


class ObjectForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the objection",
        validators=[DataRequired(), Length(max=limits.OBJECTION_REASON)],
    )


class InterestStatementForm(FlaskForm):
    """A recusal from a version, or the justification of acting on it despite an interest;
    the board's sign-off page and the editor's review screen both send it."""

    kind = RadioField(
        "Your declared interest and this version",
        choices=[
            SelectChoice(
                StatementKind.JUSTIFICATION.value,
                "Justify: the interest does not bear on this version (readers are told why)",
            ),
            SelectChoice(
                StatementKind.RECUSAL.value,
                "Recuse yourself: you will neither approve nor sign this version",
            ),
        ],
        validators=[InputRequired("Choose to justify or to recuse yourself.")],
    )
    text = TextAreaField(
        "Why (required to justify; shown to readers next to your approval or signature)",
        validators=[Length(max=STATEMENT_TEXT)],
    )


class AuditFilterForm(FlaskForm):
    """GET filters: no CSRF, the query string is shareable."""

    class Meta:
        csrf = False

    article = StringField("Article (slug)", validators=[Optional(), Length(max=200)])
    # Unique within an article: a key several articles use needs the article too.
    section = StringField("Section key", validators=[Optional(), Length(max=100)])
    actor = StringField("Actor email", validators=[Optional(), Length(max=254)])
    action = SelectField(
        "Action",
        choices=[
            SelectChoice("", "Any action"),
            *(
                SelectChoice(action, label, optgroup=group)
                for group, actions in audit_actions.ACTION_GROUPS
                for action, label in actions.items()
            ),
        ],
        validators=[Optional()],
    )
    since = DateTimeLocalField("From (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    until = DateTimeLocalField("Until (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    # A paging cursor: an event id, so within the id column's range.
    before = IntegerField(
        "Before event",
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=limits.MAX_ID,
                message=f"Use an event number from 1 to {limits.MAX_ID:,}.",
            ),
        ],
    )
