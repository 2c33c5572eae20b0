"""Forms of the contributor and editor pages."""

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from reviewapp.rules import limits
from reviewapp.rules.states import REVIEW_ACTIONS

# At most the digits of the largest id: Python refuses to read a much longer number at all.
_ID_DIGITS = re.compile(rf"\d{{1,{len(str(limits.MAX_ID))}}}")


def _version_id(value: str | None) -> int | None:
    if value and _ID_DIGITS.fullmatch(value) and 1 <= (number := int(value)) <= limits.MAX_ID:
        return number
    return None


def names_a_version(form: FlaskForm, field: HiddenField) -> None:
    """Refuse a hidden field that holds anything but a version id."""
    # Only a page we made fills this field: any other value means the page is stale or forged.
    if field.data and _version_id(field.data) is None:
        raise ValidationError("Reload the page: the version it refers to is not valid.")


class EditForm(FlaskForm):
    heading = StringField("Heading", validators=[Length(max=limits.HEADING)])
    body = TextAreaField("Wording (Markdown)", validators=[Length(max=limits.BODY)])
    change_summary = TextAreaField(
        "Internal change summary (staff only)",
        validators=[Length(max=limits.CHANGE_SUMMARY)],
    )
    # Readers see it in the public changelog: it is reviewed and signed with the wording.
    public_note = TextAreaField(
        "Public change note (readers see this)", validators=[Length(max=limits.PUBLIC_NOTE)]
    )
    # The newest version when the contributor opened the form: the submission builds on it.
    base_version = HiddenField(validators=[names_a_version])
    # The newest version shown as submitted in between, which the contributor may build on.
    seen_version = HiddenField(validators=[names_a_version])
    build_on_seen = BooleanField(validators=[Optional()])

    @staticmethod
    def version_id(value: str | None) -> int | None:
        """Return the version id a hidden field holds, or None when it holds none."""
        # An invalid form is shown again, so this reads values the validator refused too.
        return _version_id(value)


class ReviewForm(FlaskForm):
    """The review screen's one comment box: every button of the screen sends what it holds."""

    # "Add comment" keeps it as a comment, a decision button with the review step: the person
    # types once, and a refused button brings the page back with the text still in the box.
    comment = TextAreaField(
        "Comment for the author",
        validators=[Length(max=min(limits.COMMENT, limits.TRANSITION_COMMENT))],
    )


class ActionForm(ReviewForm):
    # Set by the button pressed: each button carries its action as name="action".
    action = HiddenField(validators=[DataRequired(), AnyOf([a.value for a in REVIEW_ACTIONS])])


class CommentForm(ReviewForm):
    """The comment box sent by "Add comment"."""


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is checked."""
