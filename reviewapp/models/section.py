"""Sections: the ordered, stable parts of an article."""

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.extensions import db
from reviewapp.models.article import Article
from reviewapp.rules.states import Audience

SUMMARY_KEY = "summary"


class Section(db.Model):
    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("article_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    # 1 is the answer's own heading (the summary), 2 and 3 the section headings.
    level: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    # Level, position and this flag are the article's outline as its approved outline
    # version set them (its newest proposal while none was approved); a section left out of
    # the outline is retired and not shown.
    in_outline: Mapped[bool] = mapped_column(Boolean, default=True)
    # The newest Approved version per audience, kept by the workflow so the public page
    # reads one row per section whatever the depth of history.
    published_clinician_id: Mapped[int | None] = mapped_column(
        ForeignKey("version.id", use_alter=True)
    )
    published_patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("version.id", use_alter=True)
    )

    article: Mapped[Article] = relationship()

    def published_id(self, audience: Audience) -> int | None:
        if audience is Audience.CLINICIAN:
            return self.published_clinician_id
        return self.published_patient_id

    def __repr__(self) -> str:
        return f"<Section {self.key}>"
