"""Admin forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from reviewapp.domain.users import MIN_PASSWORD_LENGTH
from reviewapp.rules import limits
from reviewapp.rules.states import Role

ROLE_CHOICES = [
    SelectChoice(Role.CONTRIBUTOR.value, "Contributor: drafts and submits wording"),
    SelectChoice(Role.EDITOR.value, "Medical editor: reviews and approves"),
    SelectChoice(Role.BOARD.value, "Board member: signs off and audits"),
    SelectChoice(Role.ADMIN.value, "Admin: manages accounts and site texts"),
]


def dual_review_field() -> BooleanField:
    return BooleanField("Yes, give this account both the editor and the board role")


class RoleCheckboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CreateUserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=limits.EMAIL)])
    name = StringField("Full name", validators=[DataRequired(), Length(max=limits.PERSON_NAME)])
    credentials = StringField("Credentials", validators=[Length(max=limits.CREDENTIALS)])
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=limits.PASSWORD)],
    )
    roles = RoleCheckboxes("Roles", choices=ROLE_CHOICES)
    confirm_dual_review = dual_review_field()


class RolesForm(FlaskForm):
    roles = RoleCheckboxes("Roles", choices=ROLE_CHOICES)
    confirm_dual_review = dual_review_field()


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is checked."""
