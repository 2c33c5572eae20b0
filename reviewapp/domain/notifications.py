"""Who hears of what: notifications derived from audit events (issue #15, part 2)."""

from reviewapp.models import AuditEvent


def follow(event: AuditEvent) -> None:
    """Write the notifications (and outbox mail) that a recorded change calls for."""
