"""API tokens with an expiry and a last use

`expires_at` is when a token stops authenticating; `last_used_at` when it last did (written at
most once a minute). Tokens issued before this revision keep working as they did: their
expiry stays NULL, which means none, and their last use is unknown (NULL) until the next one.

Revision ID: 0016_api_token_expiry
Revises: 0015_audit_subjects
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0016_api_token_expiry"
down_revision = "0015_audit_subjects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Dropping the expiry would make expiring tokens last for ever: revoke them instead.
    api_token = sa.table(
        "api_token",
        sa.column("expires_at", sa.DateTime),
        sa.column("revoked_at", sa.DateTime),
    )
    # The schema stores naive UTC (models/types.py UTCDateTime).
    now = sa.bindparam("now", datetime.now(UTC).replace(tzinfo=None), type_=sa.DateTime())
    expires_at = api_token.c.expires_at
    op.execute(
        api_token.update()
        .where(expires_at.is_not(None), api_token.c.revoked_at.is_(None))
        .values(revoked_at=sa.case((expires_at < now, expires_at), else_=now))
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
