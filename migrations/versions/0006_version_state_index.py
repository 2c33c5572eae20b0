"""index versions by state for the public page's pending lookup

Revision ID: 0006_version_state_index
Revises: 0005_public_changed_at
Create Date: 2026-11-26 08:50:00

"""

from alembic import op

revision = "0006_version_state_index"
down_revision = "0005_public_changed_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.create_index("ix_version_state_section", ["state", "section_id"], unique=False)


def downgrade():
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_index("ix_version_state_section")
