"""a public change note on each version, beside its internal change summary

`public_note` is what readers of the public changelog are told changed; `change_summary`
stays the staff's reason. The note is hashed with the wording, so a board signature covers
it. Versions from before this revision keep a NULL note: their hash never named one, so
every stored hash and signature stays valid, and the changelog shows a neutral line for
them ("Wording revised") rather than their internal summary.

A downgrade cannot drop a note without breaking the hash that covers it, so it keeps the
notes aside in `version_public_note_kept`, and upgrading again puts them back.

Revision ID: 0017_public_change_note
Revises: 0016_api_token_expiry
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0017_public_change_note"
down_revision = "0016_api_token_expiry"
branch_labels = None
depends_on = None

KEPT = "version_public_note_kept"

log = logging.getLogger(f"alembic.{__name__}")

version = sa.table("version", sa.column("id", sa.Integer), sa.column("public_note", sa.Text))
kept = sa.table(KEPT, sa.column("version_id", sa.Integer), sa.column("public_note", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_note", sa.Text(), nullable=True))
    if KEPT in sa.inspect(op.get_bind()).get_table_names():
        # A correlated subquery: SQLite before 3.33 has no UPDATE ... FROM.
        note = sa.select(kept.c.public_note).where(kept.c.version_id == version.c.id)
        op.execute(
            version.update()
            .where(version.c.id.in_(sa.select(kept.c.version_id)))
            .values(public_note=note.scalar_subquery())
        )
        op.drop_table(KEPT)


def downgrade() -> None:
    bind = op.get_bind()
    noted = bind.scalar(
        sa.select(sa.func.count()).select_from(version).where(version.c.public_note.is_not(None))
    )
    if noted:
        # Until the upgrade puts them back, the code of older revisions cannot verify those
        # versions: `flask audit verify` names them, and readers are not shown them.
        log.warning(
            "%s versions carry a public change note that their content hash covers: kept in %s "
            "until the next upgrade; until then they fail verification.",
            noted,
            KEPT,
        )
        op.create_table(
            KEPT,
            sa.Column("version_id", sa.Integer(), primary_key=True),
            sa.Column("public_note", sa.Text(), nullable=False),
        )
        op.execute(
            kept.insert().from_select(
                ["version_id", "public_note"],
                sa.select(version.c.id, version.c.public_note).where(
                    version.c.public_note.is_not(None)
                ),
            )
        )
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_column("public_note")
