"""Withdrawal of published wording and retraction of articles

Two new tables, empty at first (nothing was ever withdrawn before this revision, so there is
nothing to carry forward); versions gain the state `withdrawn`, a string column's new value.

- `withdrawal`: one editor's act, with its public reason, who took it (printed name and role
  copied, as a signature's are), its scope (one audience's wording of a section, both
  audiences', or the whole article), whether the previous approved version was reinstated,
  and the board's countersignature (due `WITHDRAWAL_COUNTERSIGN_DAYS` after it, flagged to
  every board member once overdue). A retraction is a withdrawal of kind `retraction`.
- `withdrawn_version`: each version the act took down (each also moved to `withdrawn` by the
  workflow engine, with its own trace row and audit event), and the older version it put
  back, if any. The public page reads a section's rows with its wording.

A retracted article keeps its addresses: both audiences' pages answer 200 with the
retraction notice (who, in what role, when, why) and none of the article's wording, struck or
not. COPE asks that a retracted article stay available, clearly marked; here a patient reads
the page as advice, and struck-through advice can still be read and followed, so the notice
replaces it. The record of what was published stays complete for citations and auditors:
every version, signature and audit event is kept, `/verify/<hash>` still shows the signed
text (marked withdrawn) and the board's archived view (?as_of) shows the page as it was. The
page is `noindex` and its JSON-LD says `creativeWorkStatus: Retracted`; the article leaves
the index and the sitemap.

Revision ID: 0021_withdrawal_and_retraction
Revises: 0020_re_review
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_withdrawal_and_retraction"
down_revision = "0020_re_review"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "withdrawal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reinstate", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=False),
        sa.Column("printed_name", sa.String(length=400), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=False),
        sa.Column("countersign_due_at", sa.DateTime(), nullable=False),
        sa.Column("countersigned_by_id", sa.Integer(), nullable=True),
        sa.Column("countersigned_name", sa.String(length=400), nullable=False),
        sa.Column("countersigned_role", sa.String(length=100), nullable=False),
        sa.Column("countersign_meaning", sa.String(length=200), nullable=False),
        sa.Column("countersigned_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_flagged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_withdrawal_article_id_article")
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["section.id"], name=op.f("fk_withdrawal_section_id_section")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["user.id"], name=op.f("fk_withdrawal_withdrawn_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["countersigned_by_id"],
            ["user.id"],
            name=op.f("fk_withdrawal_countersigned_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal")),
    )
    with op.batch_alter_table("withdrawal", schema=None) as batch_op:
        batch_op.create_index(
            "ix_withdrawal_countersigned_due",
            ["countersigned_at", "countersign_due_at"],
            unique=False,
        )
        batch_op.create_index("ix_withdrawal_article_kind", ["article_id", "kind"], unique=False)
    op.create_table(
        "withdrawn_version",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("withdrawal_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reinstated_version_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"], ["version.id"], name=op.f("fk_withdrawn_version_version_id_version")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawal_id"],
            ["withdrawal.id"],
            name=op.f("fk_withdrawn_version_withdrawal_id_withdrawal"),
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["section.id"], name=op.f("fk_withdrawn_version_section_id_section")
        ),
        sa.ForeignKeyConstraint(
            ["reinstated_version_id"],
            ["version.id"],
            name=op.f("fk_withdrawn_version_reinstated_version_id_version"),
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_withdrawn_version")),
    )
    with op.batch_alter_table("withdrawn_version", schema=None) as batch_op:
        batch_op.create_index(
            "ix_withdrawn_version_section", ["section_id", "audience"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_withdrawn_version_withdrawal_id"), ["withdrawal_id"], unique=False
        )


def downgrade():
    # Versions withdrawn meanwhile would be left in a state the older code does not know:
    # they go back to `approved`, unpublished (their sections keep what they show now).
    op.execute("UPDATE version SET state = 'approved' WHERE state = 'withdrawn'")
    with op.batch_alter_table("withdrawn_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawn_version_withdrawal_id"))
        batch_op.drop_index("ix_withdrawn_version_section")
    op.drop_table("withdrawn_version")
    with op.batch_alter_table("withdrawal", schema=None) as batch_op:
        batch_op.drop_index("ix_withdrawal_article_kind")
        batch_op.drop_index("ix_withdrawal_countersigned_due")
    op.drop_table("withdrawal")
