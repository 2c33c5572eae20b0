"""Versions: immutable snapshots of one section's wording for one audience."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from reviewapp.extensions import db
from reviewapp.models.article import Reference
from reviewapp.models.section import Section
from reviewapp.models.types import UTCDateTime
from reviewapp.models.user import User
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Audience, State

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


class Version(db.Model):
    __tablename__ = "version"
    __table_args__ = (
        UniqueConstraint("section_id", "audience", "number"),
        Index("ix_version_chain_state", "section_id", "audience", "state"),
        # Pending versions are few whatever the history: the public page finds them by state.
        Index("ix_version_state_section", "state", "section_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"))
    audience: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # Rendered once at submission; citations are placeholders numbered when the page is assembled.
    body_html: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    # Patient wording records the clinician version it was written from.
    source_clinician_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    provenance: Mapped[str] = mapped_column(String(200))
    change_summary: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(30), default=State.SUBMITTED.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    section: Mapped[Section] = relationship(foreign_keys=[section_id])
    author: Mapped[User] = relationship()
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
    def audience_enum(self) -> Audience:
        return Audience(self.audience)

    @property
    def is_tool_drafted(self) -> bool:
        return self.provenance.startswith("tool:")

    @property
    def provenance_label(self) -> str:
        if self.is_tool_drafted:
            return f"Drafted by software ({self.provenance.removeprefix('tool:')})"
        return "Written by a person"

    def __repr__(self) -> str:
        return f"<Version {self.section_id}/{self.audience}#{self.number} {self.state}>"


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

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()
