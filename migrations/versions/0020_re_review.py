"""Re-review without a change, review due with a reason, and retracted sources

A re-review is not a state of the version: the version stays Approved, and so stays what
readers see (the page, the index, the verification page, withdrawal and every read model
that takes Approved for published keep working unchanged). Nor is it a table of its own:
its moves (opened, re-certified at quorum, sent for revision) are rows of the workflow's
table, taken by the engine, and recorded like every other move as trace rows and audit
events. What the version needs to know now is on its row:

- `review_round`: the signing round the board signs in, 0 for the approval and N for the
  Nth re-review; `re_review_opened_at` while that re-review is open;
- `last_reviewed_at`: when the board last certified the wording, at its approval and at
  each re-review's quorum. The next review is due an interval after it; existing versions
  take their approval's time;
- `review_due_since` and `review_due_reason`: wording made review due before its date
  (sent for revision, a cited source retracted).

A signature gains `round`: one signature per member per round, so a member who signed the
approval signs a later re-review of the same content hash, and each quorum counts its own
round. Existing signatures are the approvals': round 0. No hash covers the new columns,
so every stored content hash, signature and audit event stays valid.

`reference_retraction` marks a cited source that a retraction list names, once per
reference, apart from the reference's reviewed versions.

Revision ID: 0020_re_review
Revises: 0019_declarations_of_interest
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_re_review"
down_revision = "0019_declarations_of_interest"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_reviewed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("review_round", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("re_review_opened_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("review_due_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("review_due_reason", sa.Text(), nullable=True))
    # Until now a version was last reviewed when it was approved.
    op.execute("UPDATE version SET last_reviewed_at = approved_at WHERE approved_at IS NOT NULL")
    op.create_index(
        "ix_version_state_last_reviewed", "version", ["state", "last_reviewed_at"], unique=False
    )

    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("uq_signoff_version_id_signer_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_signoff_version_id_signer_id_round", ["version_id", "signer_id", "round"]
        )

    op.create_table(
        "reference_retraction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=200), nullable=False),
        sa.Column("matched_on", sa.String(length=10), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("notice_doi", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["reference.id"],
            name="fk_reference_retraction_reference_id_reference",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reference_retraction"),
        sa.UniqueConstraint("reference_id", name="uq_reference_retraction_reference_id"),
    )


def downgrade():
    op.drop_table("reference_retraction")
    # Re-review signatures have no place in the older schema: only the approvals' remain.
    op.execute("DELETE FROM signoff WHERE round <> 0")
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.drop_constraint("uq_signoff_version_id_signer_id_round", type_="unique")
        batch_op.create_unique_constraint(
            "uq_signoff_version_id_signer_id", ["version_id", "signer_id"]
        )
        batch_op.drop_column("round")
    op.drop_index("ix_version_state_last_reviewed", table_name="version")
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_column("review_due_reason")
        batch_op.drop_column("review_due_since")
        batch_op.drop_column("re_review_opened_at")
        batch_op.drop_column("review_round")
        batch_op.drop_column("last_reviewed_at")
