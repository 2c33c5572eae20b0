"""article.public_changed_at for Last-Modified

Revision ID: 0005_public_changed_at
Revises: 9e612120c2a1
Create Date: 2026-11-26 08:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_public_changed_at"
down_revision = "9e612120c2a1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("article", schema=None) as batch_op:
        # Existing articles get the migration time: the page may have changed any time before.
        batch_op.add_column(
            sa.Column(
                "public_changed_at",
                sa.DateTime(),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )


def downgrade():
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("public_changed_at")
