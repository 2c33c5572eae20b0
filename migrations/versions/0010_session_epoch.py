"""sessions that end: a per-account session token, and passwords an admin reset

Each session cookie names the account's session token it was issued with; moving the token
(sign-out, password change or reset, deactivation) ends every session issued before. Existing
accounts get a random token each, so every session issued before this revision ends too: a
cookie signed with a development key no longer opens any account. `must_change_password` is
set by an admin's reset; existing accounts keep their passwords and owe no change.

Revision ID: 0010_session_epoch
Revises: 0009_password_checks
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010_session_epoch"
down_revision = "0009_password_checks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_token", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    bind = op.get_bind()
    for user_id in bind.execute(sa.select(user.c.id)).scalars().all():
        bind.execute(
            user.update()
            .where(user.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )
    # The app always writes both columns: no default may stand in for a random token.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("session_token", server_default=None)
        batch_op.alter_column("must_change_password", server_default=None)


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("session_token")
