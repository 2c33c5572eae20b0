"""A person's inbox: their notifications newest first, a page at a time, and the unread count."""

from dataclasses import dataclass

from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import Notification
from reviewapp.rules.notifications import INBOX_PAGE_SIZE


@dataclass(frozen=True)
class InboxPage:
    notifications: list[Notification]
    page: int
    pages: int
    total: int
    unread: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def unread_count(user_id: int) -> int:
    """Return how many of the person's notifications are unread (one indexed count)."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.recipient_id == user_id, Notification.read_at.is_(None)
        )
    )


def inbox_page(user_id: int, page: int, size: int = INBOX_PAGE_SIZE) -> InboxPage:
    """Return one page of the person's notifications, newest first (two queries)."""
    total, unread = db.session.execute(
        select(
            func.count(Notification.id),
            func.count(Notification.id).filter(Notification.read_at.is_(None)),
        ).where(Notification.recipient_id == user_id)
    ).one()
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    notifications = db.session.scalars(
        select(Notification)
        .where(Notification.recipient_id == user_id)
        .order_by(Notification.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return InboxPage(list(notifications), page, pages, total, unread)
