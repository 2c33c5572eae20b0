"""notifications, the mail outbox and email preferences

Revision ID: 0014_notifications_and_outbox
Revises: 0013_assignment_and_due_dates
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0014_notifications_and_outbox"
down_revision = "0013_assignment_and_due_dates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
