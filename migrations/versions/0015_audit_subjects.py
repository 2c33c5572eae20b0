"""each audit event tied to its article, section and version

Revision ID: 0015_audit_subjects
Revises: 0014_notifications_and_outbox
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0015_audit_subjects"
down_revision = "0014_notifications_and_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
