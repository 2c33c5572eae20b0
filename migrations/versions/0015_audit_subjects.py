"""each audit event tied to its article, section and version

Events are never updated (on PostgreSQL a trigger refuses it, and their hashes would no longer
verify), so what an event concerns is kept beside it, in `audit_subject`: its version, and
that version's section and article. Existing events are indexed from what they recorded: the
version their `after` or `before` names, the version they target, or the version of the
comment or signature they target. Events about no version (sign-ins, accounts, tokens) have
no row. The browser's filters also get indexes that end with the event id, so a filtered
page newest first is one index range.

Revision ID: 0015_audit_subjects
Revises: 0014_notifications_and_outbox
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_audit_subjects"
down_revision = "0014_notifications_and_outbox"
branch_labels = None
depends_on = None

# Kept here rather than imported so this migration never changes after it has run.
SQLITE_JSON_INT = "CAST(json_extract({column}, '$.{key}') AS INTEGER)"
POSTGRES_JSON_INT = "CAST(CAST({column} AS JSONB) ->> '{key}' AS INTEGER)"
BACKFILL = """
INSERT INTO audit_subject (event_id, version_id, section_id, article_id)
SELECT audit_event.id, version.id, version.section_id, version.article_id
FROM audit_event
LEFT OUTER JOIN comment
    ON audit_event.target_type = 'comment' AND comment.id = audit_event.target_id
LEFT OUTER JOIN signoff
    ON audit_event.target_type = 'signoff' AND signoff.id = audit_event.target_id
JOIN version ON version.id = COALESCE(
    {after_version},
    {before_version},
    CASE WHEN audit_event.target_type = 'version' THEN audit_event.target_id END,
    comment.version_id,
    signoff.version_id
)
"""
# The single-column indexes of 0001 are prefixes of these.
FILTER_COLUMNS = ("article_id", "actor_id", "action")


def upgrade():
    op.create_table(
        "audit_subject",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_audit_subject_article_id_article")
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["section.id"], name=op.f("fk_audit_subject_section_id_section")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["version.id"], name=op.f("fk_audit_subject_version_id_version")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_subject")),
    )
    op.create_index("ix_audit_subject_section_event", "audit_subject", ["section_id", "event_id"])
    op.create_index("ix_audit_subject_version_event", "audit_subject", ["version_id", "event_id"])
    json_int = POSTGRES_JSON_INT if op.get_bind().dialect.name == "postgresql" else SQLITE_JSON_INT
    op.execute(
        BACKFILL.format(
            after_version=json_int.format(column="audit_event.after", key="version_id"),
            before_version=json_int.format(column="audit_event.before", key="version_id"),
        )
    )
    # Plain index operations: a batch would copy the append-only table on SQLite.
    for column in FILTER_COLUMNS:
        op.create_index(f"ix_audit_event_{column}_id", "audit_event", [column, "id"])
        op.drop_index(f"ix_audit_event_{column}", table_name="audit_event")


def downgrade():
    for column in FILTER_COLUMNS:
        op.create_index(f"ix_audit_event_{column}", "audit_event", [column])
        op.drop_index(f"ix_audit_event_{column}_id", table_name="audit_event")
    op.drop_index("ix_audit_subject_version_event", table_name="audit_subject")
    op.drop_index("ix_audit_subject_section_event", table_name="audit_subject")
    op.drop_table("audit_subject")
