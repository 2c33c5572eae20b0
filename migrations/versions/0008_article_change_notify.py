"""article changes NOTIFY listeners on PostgreSQL

Revision ID: 0008_article_change_notify
Revises: 2cb4c060f062
Create Date: 2026-11-26 11:40:00

"""

from alembic import op

revision = "0008_article_change_notify"
down_revision = "2cb4c060f062"
branch_labels = None
depends_on = None

# Kept here rather than imported so this migration never changes after it has run.
FUNCTION = """
CREATE OR REPLACE FUNCTION article_notify_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('reviewapp_article_changed', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
TRIGGERS = (
    "CREATE TRIGGER article_notify_change AFTER INSERT OR UPDATE OR DELETE ON article "
    "FOR EACH STATEMENT EXECUTE FUNCTION article_notify_change()",
    "CREATE TRIGGER article_notify_truncate AFTER TRUNCATE ON article "
    "FOR EACH STATEMENT EXECUTE FUNCTION article_notify_change()",
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)
        for trigger in TRIGGERS:
            op.execute(trigger)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS article_notify_truncate ON article")
        op.execute("DROP TRIGGER IF EXISTS article_notify_change ON article")
        op.execute("DROP FUNCTION IF EXISTS article_notify_change()")
