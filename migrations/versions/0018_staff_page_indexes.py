"""staff pages off the history: each version's successor, and indexes for waiting work

A version gains `successor_id`, the next version of its chain, set by the domain in the
transaction that submits that one; existing versions get theirs from their chain's numbers.
With it, "nothing newer" is a column of the row, not a search of the chain: a version with
changes requested stops waiting once its author submits the next, and no longer costs the
pages that count waiting work.

Indexes: `ix_version_waiting`, over waiting work only (the newest version of a chain in an
open state), in the order it waits, with the columns the queue's filters and the board's
independence read; `ix_version_kind_chain` (every site text's newest version without the
wording); and transitions and comments by person, so whether a board member reviewed a
version is one index lookup, and all of a member's steps or comments one range.

Revision ID: 0018_staff_page_indexes
Revises: 0017_public_change_note
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_staff_page_indexes"
down_revision = "0017_public_change_note"
branch_labels = None
depends_on = None

# Written out rather than imported so this migration never changes after it has run; the
# model states the same condition (models/version.py, WAITING_INDEX_WHERE).
WAITING = (
    "successor_id IS NULL AND "
    "state IN ('submitted', 'under_review', 'changes_requested', 'awaiting_signoff')"
)
WAITING_COLUMNS = [
    "state_changed_at",
    "id",
    "state",
    "successor_id",
    "kind",
    "audience",
    "article_id",
    "author_id",
    "assignee_id",
    "due_at",
    "content_hash",
]


def upgrade():
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("successor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_version_successor_id_version", "version", ["successor_id"], ["id"]
        )
    # Numbers grow by one along a chain, but the next one up is asked for, not assumed.
    op.execute(
        """
        UPDATE version SET successor_id = (
            SELECT later.id FROM version AS later
            WHERE later.chain = version.chain AND later.number > version.number
            ORDER BY later.number LIMIT 1
        )
        WHERE EXISTS (
            SELECT 1 FROM version AS later
            WHERE later.chain = version.chain AND later.number > version.number
        )
        """
    )
    op.create_index(
        "ix_version_waiting",
        "version",
        WAITING_COLUMNS,
        unique=False,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    op.create_index("ix_version_kind_chain", "version", ["kind", "chain", "number"], unique=False)
    op.create_index(
        "ix_version_transition_actor",
        "version_transition",
        ["actor_id", "version_id", "action"],
        unique=False,
    )
    op.create_index(
        "ix_comment_author", "comment", ["author_id", "version_id", "created_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_comment_author", table_name="comment")
    op.drop_index("ix_version_transition_actor", table_name="version_transition")
    op.drop_index("ix_version_kind_chain", table_name="version")
    op.drop_index("ix_version_waiting", table_name="version")
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_constraint("fk_version_successor_id_version", type_="foreignkey")
        batch_op.drop_column("successor_id")
