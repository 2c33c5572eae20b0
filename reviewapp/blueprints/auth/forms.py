"""Sign-in, change-password and API token forms."""

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from reviewapp.domain.tokens import TOKEN_LIFETIMES_DAYS
from reviewapp.domain.users import MIN_PASSWORD_LENGTH
from reviewapp.rules import declarations, limits
from reviewapp.rules.specialties import SPECIALTIES


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=limits.EMAIL)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=limits.PASSWORD)])


class ChangePasswordForm(FlaskForm):
    # Password fields never send back what was typed: a refused form asks for them again.
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=limits.PASSWORD)],
    )
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=limits.PASSWORD,
                message=f"The new password must have {MIN_PASSWORD_LENGTH} to "
                f"{limits.PASSWORD:,} characters.",
            ),
        ],
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[
            DataRequired("Enter the new password a second time."),
            EqualTo("new_password", "The two new passwords differ: type the same one twice."),
        ],
    )


class TokenForm(FlaskForm):
    """Issue an API token: a name to tell it apart, and when it stops working."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("Name the token after what will use it, e.g. “drafting pipeline”."),
            Length(max=limits.TOKEN_NAME),
        ],
    )
    # No "never": a token that leaks works until it expires, so every token issued here does.
    expires_in_days = SelectField(
        "Expires after",
        choices=[SelectChoice(days, f"{days} days") for days in TOKEN_LIFETIMES_DAYS],
        coerce=int,
        default=90,
        validate_choice=True,
    )
    # Which blank form this is: a reload that sends the same one again issues no second token.
    request_id = HiddenField()


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is checked."""


class CheckboxesField(SelectMultipleField):
    """Several choices, each a checkbox."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DeclarationForm(FlaskForm):
    """A new declaration of interests: what kind, its description, the specialties concerned."""

    kind = RadioField(
        "What you declare",
        choices=[
            SelectChoice(declarations.InterestKind.NONE.value, "I have no interests to declare"),
            SelectChoice(
                declarations.InterestKind.FINANCIAL.value,
                "A financial interest: fees, grants, shares, paid travel, employment",
            ),
            SelectChoice(
                declarations.InterestKind.NON_FINANCIAL.value,
                "A non-financial interest: a role in a guideline group, a trial, a society or "
                "a patient group, a personal relationship",
            ),
        ],
        validators=[InputRequired("Choose what you declare.")],
    )
    text = TextAreaField(
        "Describe your interests",
        validators=[Length(max=declarations.DECLARATION_TEXT)],
    )
    specialties = CheckboxesField(
        "Specialties the interest concerns",
        choices=[SelectChoice(code, specialty.en) for code, specialty in SPECIALTIES.items()],
    )
