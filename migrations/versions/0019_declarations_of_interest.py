"""declarations of interests of editors and board members, recusals and justifications

`declaration`: what a person declared on one date (no interests, a financial or a
non-financial interest, its description and the specialty codes it concerns); append-only,
the newest is in force. `interest_statement`: a person's recusal from one version, or their
justification for approving or signing it despite a declared interest in its article's
specialty; one per person and version.

Nothing is carried forward into these tables: no one has declared anything yet, and a
declaration cannot be made up for them. From this revision on, editors and board members
approve and sign only once they have declared (the staff pages ask them to), which is the
rule this revision brings. Articles keep their `specialty` value, which names their
specialties from now on.

Revision ID: 0019_declarations_of_interest
Revises: 0018_staff_page_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_declarations_of_interest"
down_revision = "0018_staff_page_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("specialties", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_declaration_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
    )
    op.create_index(
        "ix_declaration_user", "declaration", ["user_id", "declared_at", "id"], unique=False
    )
    op.create_table(
        "interest_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_interest_statement_declaration_id_declaration"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_interest_statement_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["version.id"], name=op.f("fk_interest_statement_version_id_version")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_statement")),
        sa.UniqueConstraint(
            "version_id", "user_id", name=op.f("uq_interest_statement_version_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_interest_statement_version_id"),
        "interest_statement",
        ["version_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_interest_statement_version_id"), table_name="interest_statement")
    op.drop_table("interest_statement")
    op.drop_index("ix_declaration_user", table_name="declaration")
    op.drop_table("declaration")
