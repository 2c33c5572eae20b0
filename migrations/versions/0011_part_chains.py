"""every part of a page is a version chain: front matter, references, settings, outline, site texts

Versions gain a kind and a chain name. Existing wording versions become kind `wording` in the
chain of their section and audience. Every existing article's front matter, review settings
and outline, each of its references, and every stored site text become the
approved version 1 of their chain, carried over with no author: before this revision those
values were not reviewed through the workflow, and the audit trail says so with one event
per article and one per site text. Version 1 of an article's parts is dated from the
article's creation, so the board's as-of view of a past moment shows them.

Downgrading removes the chains of parts and what was recorded on them.

Revision ID: 0011_part_chains
Revises: 0010_session_epoch
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from markupsafe import escape

from reviewapp.rules import parts as rules
from reviewapp.rules.states import Kind
from reviewapp.text import markdown

revision = "0011_part_chains"
down_revision = "0010_session_epoch"
branch_labels = None
depends_on = None

CARRIED_OVER = "carried-over"
GENESIS_HASH = "0" * 64
APPROVED = "approved"


def upgrade():
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="wording")
        )
        batch_op.add_column(
            sa.Column("chain", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("article_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reference_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("site_text_key", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch_op.alter_column("section_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key("fk_version_article_id_article", "article", ["article_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_version_reference_id_reference", "reference", ["reference_id"], ["id"]
        )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("specialty", sa.String(length=100), nullable=False, server_default="")
        )
        for name in ("front_matter_version_id", "settings_version_id", "outline_version_id"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f"fk_article_{name}_version", "version", [name], ["id"])
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_reference_published_version_id_version", "version", ["published_version_id"], ["id"]
        )
    with op.batch_alter_table("section", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_outline", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("site_text", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_site_text_published_version_id_version", "version", ["published_version_id"], ["id"]
        )
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cited_references", sa.Text(), nullable=False, server_default="[]")
        )

    _carry_over(op.get_bind())

    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("chain", server_default=None)
        batch_op.create_index("uq_version_chain_number", ["chain", "number"], unique=True)
        batch_op.create_index("ix_version_chain_state_any", ["chain", "state"], unique=False)
        batch_op.create_index("ix_version_state_article", ["state", "article_id"], unique=False)
    for table, column in (
        ("article", "specialty"),
        ("section", "in_outline"),
        ("signoff", "cited_references"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, server_default=None)


def _tables(bind):
    meta = sa.MetaData()
    meta.reflect(
        bind,
        only=(
            "version",
            "article",
            "article_author",
            "reference",
            "section",
            "site_text",
            "audit_event",
        ),
    )
    return meta.tables


def _carry_over(bind) -> None:
    tables = _tables(bind)
    version, article, author = tables["version"], tables["article"], tables["article_author"]
    reference, section, site_text = tables["reference"], tables["section"], tables["site_text"]
    now = datetime.now(UTC).replace(tzinfo=None)

    for version_id, section_id, audience, article_id in bind.execute(
        sa.select(version.c.id, version.c.section_id, version.c.audience, section.c.article_id).join(
            section, section.c.id == version.c.section_id
        )
    ).all():
        bind.execute(
            version.update()
            .where(version.c.id == version_id)
            .values(chain=f"section:{section_id}:{audience}", article_id=article_id)
        )

    events = _Trail(bind, tables["audit_event"], now)
    for row in bind.execute(sa.select(article).order_by(article.c.id)).mappings().all():
        since = row["created_at"] or now
        authors = [
            dict(a)
            for a in bind.execute(
                sa.select(author.c.name, author.c.credentials, author.c.disclosures)
                .where(author.c.article_id == row["id"])
                .order_by(author.c.position)
            ).mappings()
        ]
        carried = {}
        front_matter = rules.front_matter(
            title=row["title"],
            title_language=row["title_language"] or "",
            language=row["language"],
            specialty="",
            authors=authors,
        )
        carried["front_matter"] = _insert(
            bind, version, Kind.FRONT_MATTER, f"article:{row['id']}:front_matter",
            row["slug"], "Front matter", front_matter, since, now, article_id=row["id"],
        )
        settings = rules.settings(
            publication=row["publication"],
            required_signoffs=row["required_signoffs"],
            review_interval_months=row["review_interval_months"],
        )
        carried["settings"] = _insert(
            bind, version, Kind.SETTINGS, f"article:{row['id']}:settings",
            row["slug"], "Review settings", settings, since, now, article_id=row["id"],
        )
        sections = bind.execute(
            sa.select(section.c.key, section.c.level)
            .where(section.c.article_id == row["id"])
            .order_by(section.c.position)
        ).all()
        outline = rules.outline([(key, level) for key, level in sections])
        carried["outline"] = _insert(
            bind, version, Kind.OUTLINE, f"article:{row['id']}:outline",
            row["slug"], "Outline", outline, since, now, article_id=row["id"],
        )
        bind.execute(
            article.update()
            .where(article.c.id == row["id"])
            .values(
                front_matter_version_id=carried["front_matter"],
                settings_version_id=carried["settings"],
                outline_version_id=carried["outline"],
            )
        )
        references = {}
        for ref in bind.execute(
            sa.select(reference).where(reference.c.article_id == row["id"]).order_by(reference.c.position)
        ).mappings().all():
            values = {name: ref[name] for name in rules.REFERENCE_FIELDS}
            payload = rules.reference(ref["key"], {"kind": ref["kind"], **values})
            references[ref["key"]] = _insert(
                bind, version, Kind.REFERENCE, f"reference:{ref['id']}",
                f"{row['slug']}/{ref['key']}", f"Reference {ref['key']}", payload, since, now,
                article_id=row["id"], reference_id=ref["id"],
            )
            bind.execute(
                reference.update()
                .where(reference.c.id == ref["id"])
                .values(published_version_id=references[ref["key"]])
            )
        events.record(
            "part.carry_over",
            ("article", row["id"]),
            row["id"],
            {**carried, "references": references},
        )

    stored = {
        key: (body, updated_at)
        for key, body, updated_at in bind.execute(
            sa.select(site_text.c.key, site_text.c.body, site_text.c.updated_at)
        ).all()
    }
    # A text never stored is the shipped default, which is code, not a record: it becomes a
    # chain when someone first proposes a wording for it. A fresh database records nothing.
    for key in sorted(stored):
        if rules.site_text_key_problem(key) is not None:
            continue
        body, updated_at = stored[key]
        payload = {"key": key, "text": body}
        version_id = _insert(
            bind, version, Kind.SITE_TEXT, f"site_text:{key}", key,
            rules.site_text_label(key), payload, updated_at or now, now, site_text_key=key,
        )
        bind.execute(
            site_text.update().where(site_text.c.key == key).values(published_version_id=version_id)
        )
        events.record("part.carry_over", ("site_text", None), None, {"key": key, "version": version_id})


def _insert(bind, version, kind, chain, place, label, payload, approved_at, now, **owner) -> int:
    body = rules.readable(kind, payload)
    if kind is Kind.SITE_TEXT:
        html = markdown.render(payload["text"]).html
    else:
        html = f'<pre class="part-values">{escape(body)}</pre>'
    values = {
        "kind": kind.value,
        "chain": chain,
        "number": 1,
        "heading": label,
        "body": body,
        "body_html": html,
        "payload": rules.canonical(payload),
        "author_id": None,
        "provenance": CARRIED_OVER,
        "change_summary": "Carried over: the values in place when review came to cover this part.",
        "content_hash": rules.part_hash(kind, place, payload),
        "state": APPROVED,
        "created_at": approved_at,
        "state_changed_at": now,
        "approved_at": approved_at,
        "audience": "",
        **owner,
    }
    return bind.execute(version.insert().values(**values).returning(version.c.id)).scalar_one()


class _Trail:
    """Append to the audit chain as domain/audit.py did at this revision (plain SHA-256)."""

    def __init__(self, bind, table, now) -> None:
        self.bind, self.table, self.now = bind, table, now
        self.last = (
            bind.execute(sa.select(table.c.hash).order_by(table.c.id.desc()).limit(1)).scalar()
            or GENESIS_HASH
        )

    def record(self, action, target, article_id, after) -> None:
        fields = {
            "occurred_at": self.now.replace(tzinfo=UTC).isoformat(),
            "actor_id": None,
            "actor_label": "system",
            "action": action,
            "outcome": "done",
            "target_type": target[0],
            "target_id": target[1],
            "article_id": article_id,
            "before": "{}",
            "after": _canonical(after),
            "message": (
                "Carried over as approved version 1: these values were in place before review "
                "covered this part (migration 0011)."
            ),
            "prev_hash": self.last,
        }
        digest = hashlib.sha256(_canonical(fields).encode()).hexdigest()
        row = {**fields, "occurred_at": self.now, "hash": digest}
        self.bind.execute(self.table.insert().values(**row))
        self.last = digest


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def downgrade():
    bind = op.get_bind()
    parts = sa.text("SELECT id FROM version WHERE kind <> 'wording'")
    for table in ("article",):
        op.execute(
            f"UPDATE {table} SET front_matter_version_id = NULL, settings_version_id = NULL, "
            "outline_version_id = NULL"
        )
    op.execute("UPDATE reference SET published_version_id = NULL")
    op.execute("UPDATE site_text SET published_version_id = NULL")
    ids = [row[0] for row in bind.execute(parts)]
    if ids:
        listed = ", ".join(str(int(i)) for i in ids)
        for table in ("version_transition", "comment", "signoff", "objection", "version_citation"):
            op.execute(f"DELETE FROM {table} WHERE version_id IN ({listed})")
        op.execute(f"UPDATE version SET parent_id = NULL WHERE id IN ({listed})")
        op.execute(f"DELETE FROM version WHERE id IN ({listed})")
    op.execute("DELETE FROM section WHERE in_outline = false AND id NOT IN (SELECT section_id FROM version WHERE section_id IS NOT NULL)")
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.drop_column("cited_references")
    with op.batch_alter_table("site_text", schema=None) as batch_op:
        batch_op.drop_constraint("fk_site_text_published_version_id_version", type_="foreignkey")
        batch_op.drop_column("published_version_id")
    with op.batch_alter_table("section", schema=None) as batch_op:
        batch_op.drop_column("in_outline")
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reference_published_version_id_version", type_="foreignkey")
        batch_op.drop_column("published_version_id")
    with op.batch_alter_table("article", schema=None) as batch_op:
        for name in ("front_matter_version_id", "settings_version_id", "outline_version_id"):
            batch_op.drop_constraint(f"fk_article_{name}_version", type_="foreignkey")
            batch_op.drop_column(name)
        batch_op.drop_column("specialty")
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_index("ix_version_state_article")
        batch_op.drop_index("ix_version_chain_state_any")
        batch_op.drop_index("uq_version_chain_number")
        batch_op.drop_constraint("fk_version_reference_id_reference", type_="foreignkey")
        batch_op.drop_constraint("fk_version_article_id_article", type_="foreignkey")
        batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("section_id", existing_type=sa.Integer(), nullable=False)
        for name in ("payload", "site_text_key", "reference_id", "article_id", "chain", "kind"):
            batch_op.drop_column(name)
