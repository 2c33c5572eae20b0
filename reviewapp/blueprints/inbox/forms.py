"""Forms of the inbox: marking notifications read, and email preferences."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField

from reviewapp.rules.notifications import NotificationKind


class MarkReadForm(FlaskForm):
    """A button that marks one notification read (or all of them, without an id)."""

    notification_id = HiddenField()


class PreferencesForm(FlaskForm):
    """One checkbox per kind of notification: email on or off."""


for _kind in NotificationKind:
    setattr(PreferencesForm, _kind.value, BooleanField(_kind.label))


def preference_fields(form: PreferencesForm) -> list:
    """Return the form's checkboxes in the order the kinds are declared."""
    return [form[kind.value] for kind in NotificationKind]
