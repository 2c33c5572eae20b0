"""API tokens with an expiry and a last use

Revision ID: 0016_api_token_expiry
Revises: 0015_audit_subjects
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0016_api_token_expiry"
down_revision = "0015_audit_subjects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
