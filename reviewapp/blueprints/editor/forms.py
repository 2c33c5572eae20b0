"""Forms of the contributor and editor pages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from reviewapp.rules import limits
from reviewapp.rules.states import REVIEW_ACTIONS

VERSION_ID = Regexp(r"^\d*$", message="Reload the page: the version it refers to is not valid.")


class EditForm(FlaskForm):
    heading = StringField("Heading", validators=[Length(max=limits.HEADING)])
    body = TextAreaField("Wording (Markdown)", validators=[Length(max=limits.BODY)])
    change_summary = TextAreaField("Change summary", validators=[Length(max=limits.CHANGE_SUMMARY)])
    # The newest version when the contributor opened the form: the submission builds on it.
    base_version = HiddenField(validators=[VERSION_ID])
    # The newest version shown as submitted in between, which the contributor may build on.
    seen_version = HiddenField(validators=[VERSION_ID])
    build_on_seen = BooleanField(validators=[Optional()])

    @staticmethod
    def version_id(value: str | None) -> int | None:
        return int(value) if value else None


class ActionForm(FlaskForm):
    # Set by the button pressed: each button carries its action as name="action".
    action = HiddenField(validators=[DataRequired(), AnyOf([a.value for a in REVIEW_ACTIONS])])
    comment = TextAreaField(
        "Comment for the author", validators=[Length(max=limits.TRANSITION_COMMENT)]
    )


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment", validators=[Length(max=limits.COMMENT)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is checked."""
