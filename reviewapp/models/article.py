"""Articles, their authors and their reference lists."""

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.rules.clock import utcnow
from reviewapp.rules.links import is_web_address
from reviewapp.rules.parts import REFERENCE_KINDS

__all__ = ["REFERENCE_KINDS", "Article", "ArticleAuthor", "Reference"]
from reviewapp.rules.states import PublicationPolicy


class Article(db.Model):
    __tablename__ = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    title_language: Mapped[str] = mapped_column(String(35), default="")
    language: Mapped[str] = mapped_column(String(35))
    publication: Mapped[str] = mapped_column(
        String(30), default=PublicationPolicy.APPROVED_ONLY.value
    )
    required_signoffs: Mapped[int] = mapped_column(Integer, default=1)
    review_interval_months: Mapped[int] = mapped_column(Integer, default=12)
    # From the approved review settings only; None: they predate the fields, use the defaults.
    days_to_first_review: Mapped[int | None] = mapped_column(Integer)
    days_to_signoff: Mapped[int | None] = mapped_column(Integer)
    specialty: Mapped[str] = mapped_column(String(100), default="")
    # The approved version each of these columns shows (domain/parts.py keeps them); None
    # while the part has never been approved, when the columns hold its newest proposal.
    front_matter_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("version.id", use_alter=True)
    )
    settings_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("version.id", use_alter=True)
    )
    outline_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id", use_alter=True))
    # Bumped by every change that alters what the public page shows; part of its ETag.
    public_revision: Mapped[int] = mapped_column(Integer, default=1)
    public_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    authors: Mapped[list["ArticleAuthor"]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        order_by="ArticleAuthor.position",
    )
    references: Mapped[list["Reference"]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        order_by="Reference.position",
    )

    def mark_public_change(self, at: datetime | None = None) -> None:
        """Record that what readers see changed, so caches and ETags move on."""
        if inspect(self).persistent:
            # Incremented in SQL: two workers changing one article must both count.
            self.public_revision = Article.public_revision + 1
        else:
            self.public_revision = (self.public_revision or 0) + 1
        self.public_changed_at = at or utcnow()

    @property
    def front_matter_reviewed(self) -> bool:
        return self.front_matter_version_id is not None

    @property
    def policy(self) -> PublicationPolicy:
        return PublicationPolicy(self.publication)

    @property
    def effective_title_language(self) -> str:
        return self.title_language or self.language

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


# Each worker keeps article states until told they may have changed (change_signal.py): on
# PostgreSQL the database itself tells every listener, whoever wrote. Migration 0008 installs
# the same function and triggers.
NOTIFY_FUNCTION = DDL(
    """
CREATE OR REPLACE FUNCTION article_notify_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('reviewapp_article_changed', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
)
NOTIFY_ON_ROWS = DDL(
    "CREATE TRIGGER article_notify_change AFTER INSERT OR UPDATE OR DELETE ON article "
    "FOR EACH STATEMENT EXECUTE FUNCTION article_notify_change()"
)
NOTIFY_ON_TRUNCATE = DDL(
    "CREATE TRIGGER article_notify_truncate AFTER TRUNCATE ON article "
    "FOR EACH STATEMENT EXECUTE FUNCTION article_notify_change()"
)
for ddl in (NOTIFY_FUNCTION, NOTIFY_ON_ROWS, NOTIFY_ON_TRUNCATE):
    event.listen(Article.__table__, "after_create", ddl.execute_if(dialect="postgresql"))


class ArticleAuthor(db.Model):
    __tablename__ = "article_author"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(200), default="")
    disclosures: Mapped[str] = mapped_column(Text, default="")

    article: Mapped[Article] = relationship(back_populates="authors")


class Reference(db.Model):
    __tablename__ = "reference"
    __table_args__ = (UniqueConstraint("article_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int | None] = mapped_column(Integer)
    publisher: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    doi: Mapped[str] = mapped_column(String(200), default="")
    pmid: Mapped[str] = mapped_column(String(20), default="")
    accessed: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # The approved version these columns show; None while the reference was never approved.
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("version.id", use_alter=True)
    )

    article: Mapped[Article] = relationship(back_populates="references")
    # Marked retracted by a retraction list (models/retraction.py), apart from its versions.
    retraction: Mapped["ReferenceRetraction | None"] = relationship(  # noqa: F821
        back_populates="reference", uselist=False, viewonly=True
    )

    @property
    def is_reviewed(self) -> bool:
        return self.published_version_id is not None

    @property
    def missing_essentials(self) -> list[str]:
        """Return the essentials this reference lacks: title, authors or organisation, year."""
        missing = []
        if not self.title.strip():
            missing.append("title")
        if not self.authors.strip():
            missing.append("authors or organisation")
        if self.year is None:
            missing.append("year")
        return missing

    @property
    def is_incomplete(self) -> bool:
        return bool(self.missing_essentials)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pmid_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def web_url(self) -> str:
        """Return the address to link to: the stored URL if it is http(s), otherwise ""."""
        # Import refuses other schemes; a row stored before that rule must still not link.
        return self.url if self.url and is_web_address(self.url) else ""
