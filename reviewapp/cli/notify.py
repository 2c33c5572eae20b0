"""`flask notify`: notifications no one's action causes, such as work past its due date."""

import click

from reviewapp.domain.notifications import notify_due
from reviewapp.domain.re_reviews import notify_due_wording
from reviewapp.domain.withdrawals import flag_overdue
from reviewapp.extensions import db

notify_cli = click.Group("notify", help="Send the notifications that follow from the calendar.")


@notify_cli.command("due")
def due_command() -> None:
    """Tell the editors of each pending version past its due date, once per due date, and
    every board member of each withdrawal not countersigned in time, once.

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
    # Published wording whose review date has come: the editors and the board, once a date.
    due = notify_due_wording()
    db.session.commit()
    for became in due:
        click.echo(
            f"Review due since {became.due_on}: {became.version.part_label}, "
            f"Version {became.version.number}"
        )
    click.echo(f"{len(due)} published wording{'s' if len(due) != 1 else ''} newly review due.")
    # Withdrawals the board has not countersigned in time are flagged to every member, once.
    flagged = flag_overdue()
    db.session.commit()
    for withdrawal in flagged:
        click.echo(
            f"Countersignature overdue since {withdrawal.countersign_due_at:%Y-%m-%d}: "
            f"{withdrawal.kind} {withdrawal.id} of {withdrawal.article.slug}"
        )
    click.echo(
        f"{len(flagged)} withdrawal{'s' if len(flagged) != 1 else ''} newly past its "
        "countersignature deadline."
    )
