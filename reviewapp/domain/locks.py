"""The one order in which audited writes take their locks, so no two writers deadlock.

1. the audit chain (PostgreSQL advisory lock; on SQLite the write transaction, begun
   IMMEDIATE, already is the one writer's lock);
2. the row that owns the chain a new version is added to: the article (its front matter,
   settings, outline and references) or the site text, then the section (its wording); a
   withdrawal or retraction takes the article, then each section it touches in id order;
3. the version's row, when it moves, is signed, objected to, commented on or resolved (a
   withdrawal's versions one after the other, each before the version it reinstates).

Every audited write calls one of these first, before it reads what it will change.
"""

from sqlalchemy import select

from reviewapp.domain import audit
from reviewapp.extensions import db
from reviewapp.models import Section, Version


def lock_chain() -> None:
    """Take the audit chain's lock: the first lock of every audited write."""
    audit.serialize_writes()


def lock_row(row: db.Model | None) -> None:
    """Take the row lock of the article or site text that owns a part's chain.

    The caller holds the chain's lock already. A site text proposed for the first time has
    no row yet: the chain's lock alone serialises its proposals.
    """
    if row is None:
        return
    model = type(row)
    key = model.__mapper__.primary_key[0]
    db.session.execute(select(key).where(key == getattr(row, key.key)).with_for_update())


def lock_section(section: Section) -> None:
    """Take the chain's lock, then the section's row lock."""
    lock_chain()
    # The section, not its newest version: a racing submission that waited on this lock
    # must then see the version committed meanwhile, which a lock on the old row would hide.
    db.session.execute(select(Section.id).where(Section.id == section.id).with_for_update())


def lock_version(version: Version) -> Version:
    """Take the chain's lock, then reload the version under its row lock and return it."""
    lock_chain()
    locked = db.session.scalar(
        select(Version)
        .where(Version.id == version.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None  # noqa: S101 - the caller loaded it in this transaction
    return locked
