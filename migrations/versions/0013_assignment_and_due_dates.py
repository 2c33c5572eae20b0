"""who holds a pending version and when it is due

Revision ID: 0013_assignment_and_due_dates
Revises: 0012_audit_checkpoints
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0013_assignment_and_due_dates"
down_revision = "0012_audit_checkpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
