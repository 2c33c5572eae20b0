"""who holds a pending version and when it is due

A version gains the editor holding it (`assignee_id`, `assigned_at`) and the date the step it
waits for is due (`due_at`). Articles gain the two due-date settings of their approved review
settings (`days_to_first_review`, `days_to_signoff`); NULL means the defaults, as for every
settings version approved before the fields existed.

Existing pending versions get a due date: a submitted or under-review version is due the
default days after it was submitted, one awaiting board sign-off the default days after it
got there. Existing settings carry no days, so the defaults are what they were held to.

Revision ID: 0013_assignment_and_due_dates
Revises: 0012_audit_checkpoints
"""

from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0013_assignment_and_due_dates"
down_revision = "0012_audit_checkpoints"
branch_labels = None
depends_on = None

# Kept here rather than imported so this migration never changes after it has run.
DAYS_TO_FIRST_REVIEW = 7
DAYS_TO_SIGNOFF = 14
FIRST_REVIEW_STATES = ("submitted", "under_review")
SIGNOFF_STATE = "awaiting_signoff"


def upgrade():
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("days_to_first_review", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("days_to_signoff", sa.Integer(), nullable=True))
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key("fk_version_assignee_id_user", "user", ["assignee_id"], ["id"])
        batch_op.create_index("ix_version_state_due_at", ["state", "due_at"], unique=False)
        batch_op.create_index("ix_version_assignee_state", ["assignee_id", "state"], unique=False)
        batch_op.create_index(
            "ix_version_article_chain", ["article_id", "chain", "number"], unique=False
        )
        batch_op.create_index(
            "ix_version_author_created", ["author_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_version_state_changed",
            ["state", "state_changed_at", "chain", "number", "kind", "audience"],
            unique=False,
        )
        batch_op.create_index("ix_version_state_approved", ["state", "approved_at"], unique=False)
    _backfill_due_dates(op.get_bind())


def _backfill_due_dates(bind) -> None:
    version = sa.table(
        "version",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.String()),
        sa.column("created_at", sa.DateTime()),
        sa.column("state_changed_at", sa.DateTime()),
        sa.column("due_at", sa.DateTime()),
    )
    pending = bind.execute(
        sa.select(
            version.c.id, version.c.state, version.c.created_at, version.c.state_changed_at
        ).where(version.c.state.in_([*FIRST_REVIEW_STATES, SIGNOFF_STATE]))
    ).all()
    for row in pending:
        if row.state == SIGNOFF_STATE:
            due = _naive(row.state_changed_at) + timedelta(days=DAYS_TO_SIGNOFF)
        else:
            due = _naive(row.created_at) + timedelta(days=DAYS_TO_FIRST_REVIEW)
        bind.execute(sa.update(version).where(version.c.id == row.id).values(due_at=due))


def _naive(value):
    # Times are stored as naive UTC (models.types.UTCDateTime); a driver may hand back either.
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def downgrade():
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_index("ix_version_state_approved")
        batch_op.drop_index("ix_version_state_changed")
        batch_op.drop_index("ix_version_author_created")
        batch_op.drop_index("ix_version_article_chain")
        batch_op.drop_index("ix_version_assignee_state")
        batch_op.drop_index("ix_version_state_due_at")
        batch_op.drop_constraint("fk_version_assignee_id_user", type_="foreignkey")
        batch_op.drop_column("due_at")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assignee_id")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("days_to_signoff")
        batch_op.drop_column("days_to_first_review")
