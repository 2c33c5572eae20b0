"""Site-wide texts: disclaimers per audience (and language) and the editorial policy.

`body` is the text of the approved version, kept by the workflow (domain/parts.py).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.rules.clock import utcnow


class SiteText(db.Model):
    __tablename__ = "site_text"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The approved version `body` shows; None while the text has never been approved.
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("version.id", use_alter=True)
    )
