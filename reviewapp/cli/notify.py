"""`flask notify`: notifications no one's action causes, such as work past its due date."""

import click

from reviewapp.domain.notifications import notify_due
from reviewapp.extensions import db

notify_cli = click.Group("notify", help="Send the notifications that follow from the calendar.")


@notify_cli.command("due")
def due_command() -> None:
    """Tell the editors of each pending version past its due date, once per due date.

    Run it from a scheduler (hourly, say): a version already notified for its present due
    date is skipped, and one given a new due date is notified again when that one passes.
    """
    found = notify_due()
    db.session.commit()
    for version in found:
        click.echo(
            f"Past due since {version.due_at:%Y-%m-%d}: {version.part_label}, "
            f"Version {version.number}"
        )
    click.echo(f"{len(found)} version{'s' if len(found) != 1 else ''} newly past due.")
