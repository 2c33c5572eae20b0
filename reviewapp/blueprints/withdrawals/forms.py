"""Withdrawal, retraction and countersignature forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from reviewapp.rules import limits
from reviewapp.rules.withdrawals import Scope


def _reason(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[DataRequired(), Length(max=limits.WITHDRAWAL_REASON)])


class WithdrawForm(FlaskForm):
    reason = _reason("Public reason, shown to readers where the wording was")
    scope = RadioField(
        "What to withdraw",
        choices=[SelectChoice(scope.value, scope.label.capitalize()) for scope in Scope],
        default=Scope.AUDIENCE.value,
        validators=[DataRequired()],
    )
    reinstate = BooleanField("Show the previous approved version again instead of the notice")


class RetractForm(FlaskForm):
    reason = _reason("Public reason for the retraction, shown on the article's page")


class CountersignForm(FlaskForm):
    password = PasswordField(
        "Your password, to countersign",
        validators=[DataRequired(), Length(max=limits.PASSWORD)],
    )
