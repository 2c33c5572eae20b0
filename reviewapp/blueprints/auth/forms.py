"""Sign-in, change-password and API token forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from reviewapp.domain.tokens import TOKEN_LIFETIMES_DAYS
from reviewapp.domain.users import MIN_PASSWORD_LENGTH
from reviewapp.rules import limits


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


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is checked."""
