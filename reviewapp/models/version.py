"""Versions: immutable snapshots of one part of a page, each in its own chain.

A chain is one section's wording for one audience, an article's front matter, review
settings or outline, one reference, or one site text. Every kind moves through the same
workflow; `chain` names the chain and `number` counts within it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from reviewapp.extensions import db
from reviewapp.models.article import Article, Reference
from reviewapp.models.section import Section
from reviewapp.models.types import UTCDateTime
from reviewapp.models.user import User
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Audience, Kind, State

# Set only while the workflow engine assigns a state (reviewapp.domain.engine).
_engine_is_assigning: ContextVar[bool] = ContextVar("engine_is_assigning", default=False)


class StateAssignedOutsideEngine(RuntimeError):
    """Raised when code other than the workflow engine sets a version's state."""


@contextmanager
def engine_assignment() -> Iterator[None]:
    """Let the workflow engine, and it alone, set `Version.state` inside this block."""
    token = _engine_is_assigning.set(True)
    try:
        yield
    finally:
        _engine_is_assigning.reset(token)


def wording_chain(section_id: int, audience: str) -> str:
    return f"section:{section_id}:{audience}"


def article_chain(kind: Kind, article_id: int) -> str:
    return f"article:{article_id}:{kind.value}"


def reference_chain(reference_id: int) -> str:
    return f"reference:{reference_id}"


def site_text_chain(key: str) -> str:
    return f"site_text:{key}"


# Who wrote a version carried over from before its part had a chain (migration 0011).
CARRIED_OVER = "carried-over"

# The states in which the newest version of a chain still waits on an editor, the board or
# its author. A version with changes requested keeps that state once its author submits the
# next one: only a version with no successor waits.
WAITING_STATES = (
    State.SUBMITTED.value,
    State.UNDER_REVIEW.value,
    State.CHANGES_REQUESTED.value,
    State.AWAITING_SIGNOFF.value,
)


def _waiting(successor_id, state) -> ColumnElement[bool]:
    # The states are written into the statement, not bound: a partial index is used only
    # for a condition the database can match to its own, value for value.
    states = bindparam(None, list(WAITING_STATES), expanding=True, literal_execute=True)
    return and_(successor_id.is_(None), state.in_(states))


# The condition of ix_version_waiting, and of every query that reads waiting work through it.
WAITING_INDEX_WHERE = _waiting(column("successor_id"), column("state"))


class Version(db.Model):
    __tablename__ = "version"
    __table_args__ = (
        UniqueConstraint("section_id", "audience", "number"),
        Index("uq_version_chain_number", "chain", "number", unique=True),
        Index("ix_version_chain_state_any", "chain", "state"),
        Index("ix_version_state_article", "state", "article_id"),
        Index("ix_version_chain_state", "section_id", "audience", "state"),
        # Pending versions are few whatever the history: the public page finds them by state.
        Index("ix_version_state_section", "state", "section_id"),
        # The queue's "overdue" filter: pending states, then due dates in order.
        Index("ix_version_state_due_at", "state", "due_at"),
        # "Assigned to me" reads one editor's pending versions, not the whole table.
        Index("ix_version_assignee_state", "assignee_id", "state"),
        # An article's overview groups its own versions by chain, never the whole table.
        Index("ix_version_article_chain", "article_id", "chain", "number"),
        # A contributor's most recent versions.
        Index("ix_version_author_created", "author_id", "created_at"),
        # The queue's order (waiting since) within each waiting state, covering what its
        # count and sort read (the chain for "nothing newer", kind and audience filters).
        Index(
            "ix_version_state_changed",
            "state",
            "state_changed_at",
            "chain",
            "number",
            "kind",
            "audience",
        ),
        # Review due dates.
        Index("ix_version_state_approved", "state", "approved_at"),
        Index("ix_version_state_last_reviewed", "state", "last_reviewed_at"),
        # Waiting work alone, in the order it waits (the queue, the board's lists, the
        # header's counts), with what their filters and the board's independence read: a
        # few thousand rows however long the history, read without the table.
        Index(
            "ix_version_waiting",
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
            sqlite_where=WAITING_INDEX_WHERE,
            postgresql_where=WAITING_INDEX_WHERE,
        ),
        # A kind's chains without the rest (every site text's newest version).
        Index("ix_version_kind_chain", "kind", "chain", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=Kind.WORDING.value)
    chain: Mapped[str] = mapped_column(String(200))
    # The article the part belongs to (every kind but site texts).
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    reference_id: Mapped[int | None] = mapped_column(ForeignKey("reference.id", use_alter=True))
    site_text_key: Mapped[str | None] = mapped_column(String(60))
    audience: Mapped[str] = mapped_column(String(20), default="")
    number: Mapped[int] = mapped_column(Integer)
    # Wording: the section heading and Markdown body. Other kinds: a label and the readable
    # text reviewers read and diff, generated from `payload`, the values the version sets.
    heading: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # Rendered once at submission; citations are placeholders numbered when the page is assembled.
    body_html: Mapped[str] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    # The next version of the chain, set in the transaction that submits it: a version
    # without one is its chain's newest.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    # Patient wording records the clinician version it was written from.
    source_clinician_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    # None only for a version carried over from before its part had a chain.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    provenance: Mapped[str] = mapped_column(String(200))
    # Staff only: why the change was made, for the reviewers.
    change_summary: Mapped[str] = mapped_column(Text, default="")
    # What readers are told changed (the public changelog), reviewed and hashed with the
    # wording; None when the author wrote none (every version from before notes existed).
    public_note: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(30), default=State.SUBMITTED.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The editor who holds a pending version (claimed or assigned), and since when.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the step it waits for is due (domain/assignments.py sets it from review settings).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the board last certified this wording: its approval, then each re-review that
    # reached quorum (migration 0020). Its next review is due an interval after it.
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The signing round the board signs in now: 0 for the approval, N for the Nth re-review;
    # `re_review_opened_at` is set while that re-review is open.
    review_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    re_review_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Published wording made review due before its date (sent for revision, a cited source
    # retracted), since when and why; cleared when the board re-certifies it.
    review_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_due_reason: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article | None] = relationship(foreign_keys=[article_id])
    section: Mapped[Section | None] = relationship(foreign_keys=[section_id])
    reference: Mapped[Reference | None] = relationship(foreign_keys=[reference_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    parent: Mapped["Version | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])
    citations: Mapped[list["VersionCitation"]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="VersionCitation.position",
    )

    @validates("state")
    def _only_the_engine_moves(self, key: str, value: str) -> str:
        # A new version starts Submitted by the column default; every later state is a
        # declared transition, with its trace row and audit event, taken by the engine.
        if not _engine_is_assigning.get():
            raise StateAssignedOutsideEngine(
                "Version.state is set only by the workflow engine (reviewapp.domain.engine)."
            )
        return value

    @property
    def workflow_state(self) -> State:
        return State(self.state)

    @property
    def kind_enum(self) -> Kind:
        return Kind(self.kind)

    @property
    def is_wording(self) -> bool:
        return self.kind == Kind.WORDING.value

    @property
    def audience_enum(self) -> Audience:
        return Audience(self.audience)

    @property
    def is_tool_drafted(self) -> bool:
        return self.provenance.startswith("tool:")

    @property
    def is_carried_over(self) -> bool:
        return self.provenance == CARRIED_OVER

    @property
    def provenance_label(self) -> str:
        if self.is_tool_drafted:
            return f"Drafted by software ({self.provenance.removeprefix('tool:')})"
        if self.is_carried_over:
            return "Carried over as approved when review came to cover this part"
        return "Written by a person"

    @property
    def author_name(self) -> str:
        return self.author.name if self.author is not None else "(carried over, no author)"

    @property
    def part_label(self) -> str:
        """Return what this version is a version of, as reviewers read it."""
        if self.is_wording:
            key = self.section.key if self.section is not None else "?"
            return f"{key} ({self.audience} wording)"
        return self.heading

    def __repr__(self) -> str:
        return f"<Version {self.chain}#{self.number} {self.state}>"


def is_waiting() -> ColumnElement[bool]:
    """Return the condition that a version still waits, worded as ix_version_waiting's."""
    return _waiting(Version.successor_id, Version.state)


class VersionCitation(db.Model):
    """A reference a version cites, in order of first appearance in its text."""

    __tablename__ = "version_citation"

    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), primary_key=True)
    reference_id: Mapped[int] = mapped_column(ForeignKey("reference.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    version: Mapped[Version] = relationship(back_populates="citations")
    reference: Mapped[Reference] = relationship()


class VersionTransition(db.Model):
    """One workflow step taken on a version: who moved it, from where to where, and why."""

    __tablename__ = "version_transition"
    __table_args__ = (
        # Whether one person took an editor's step on a version (who may sign it:
        # domain/signatures.py), from the index alone: asked of one version, or of all the
        # person's steps at once.
        Index("ix_version_transition_actor", "actor_id", "version_id", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()
