"""password checks for every purpose: sign-in attempts become password checks

Signing a version and signing in share one lockout, so the sign-in attempts table keeps every
password check with its purpose; existing rows are sign-ins.

Revision ID: 0009_password_checks
Revises: 0008_article_change_notify
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_password_checks"
down_revision = "0008_article_change_notify"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_attempt_email_at")
        batch_op.drop_index("ix_sign_in_attempt_address_at")
    op.rename_table("sign_in_attempt", "password_check")
    with op.batch_alter_table("password_check", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=20), nullable=False, server_default="sign_in")
        )
    with op.batch_alter_table("password_check", schema=None) as batch_op:
        batch_op.alter_column("purpose", server_default=None)
        batch_op.create_index(
            "ix_password_check_purpose_email_at", ["purpose", "email", "attempted_at"]
        )
        batch_op.create_index(
            "ix_password_check_purpose_address_at", ["purpose", "remote_addr", "attempted_at"]
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX IF EXISTS pk_sign_in_attempt RENAME TO pk_password_check")
        op.execute(
            "ALTER SEQUENCE IF EXISTS sign_in_attempt_id_seq RENAME TO password_check_id_seq"
        )


def downgrade():
    with op.batch_alter_table("password_check", schema=None) as batch_op:
        batch_op.drop_index("ix_password_check_purpose_address_at")
        batch_op.drop_index("ix_password_check_purpose_email_at")
    op.execute("DELETE FROM password_check WHERE purpose <> 'sign_in'")
    with op.batch_alter_table("password_check", schema=None) as batch_op:
        batch_op.drop_column("purpose")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX IF EXISTS pk_password_check RENAME TO pk_sign_in_attempt")
        op.execute(
            "ALTER SEQUENCE IF EXISTS password_check_id_seq RENAME TO sign_in_attempt_id_seq"
        )
    op.rename_table("password_check", "sign_in_attempt")
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_attempt_address_at", ["remote_addr", "attempted_at"])
        batch_op.create_index("ix_sign_in_attempt_email_at", ["email", "attempted_at"])
