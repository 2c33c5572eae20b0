"""Cited sources marked retracted from a list of retracted or withdrawn works."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.extensions import db
from reviewapp.models.article import Reference
from reviewapp.models.types import UTCDateTime
from reviewapp.rules.clock import utcnow


class ReferenceRetraction(db.Model):
    """A reference a retraction list names: kept apart from its versions, whose reviewed text
    says what the source is, not what has since become of it. One per reference: a later
    list naming it again changes nothing."""

    __tablename__ = "reference_retraction"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_id: Mapped[int] = mapped_column(ForeignKey("reference.id"), unique=True)
    # Which list named it: the file's name, or the name given on the command line.
    list_name: Mapped[str] = mapped_column(String(200))
    # The identifier that matched ("doi" or "pmid") and its normalised value.
    matched_on: Mapped[str] = mapped_column(String(10))
    identifier: Mapped[str] = mapped_column(String(200))
    # The retraction notice's DOI, when the list gives it.
    notice_doi: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reference: Mapped[Reference] = relationship(back_populates="retraction")

    @property
    def notice_url(self) -> str:
        return f"https://doi.org/{self.notice_doi}" if self.notice_doi else ""
