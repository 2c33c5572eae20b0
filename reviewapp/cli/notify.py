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
    # Each kind is committed on its own, so a failure in a later one keeps the earlier notices.
    _report(
        notify_due(),
        lambda version: (
            f"Past due since {version.due_at:%Y-%m-%d}: {version.part_label}, "
            f"Version {version.number}"
        ),
        lambda n: f"{n} version{'s' if n != 1 else ''} newly past due.",
    )
    # Published wording whose review date has come: the editors and the board, once a date.
    _report(
        notify_due_wording(),
        lambda became: (
            f"Review due since {became.due_on}: {became.version.part_label}, "
            f"Version {became.version.number}"
        ),
        lambda n: f"{n} published wording{'s' if n != 1 else ''} newly review due.",
    )
    # Withdrawals the board has not countersigned in time are flagged to every member, once.
    _report(
        flag_overdue(),
        lambda withdrawal: (
            "Countersignature overdue since "
            f"{withdrawal.countersign_due_at:%Y-%m-%d}: {withdrawal.kind} {withdrawal.id} of "
            f"{withdrawal.article.slug}"
        ),
        lambda n: (
            f"{n} withdrawal{'s' if n != 1 else ''} newly past its countersignature deadline."
        ),
    )


def _report(found: list, line, summary) -> None:
    """Commit what was just notified, then print a line for each and the count."""
    db.session.commit()
    for item in found:
        click.echo(line(item))
    click.echo(summary(len(found)))
