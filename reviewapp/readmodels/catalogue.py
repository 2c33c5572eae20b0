"""Which articles readers can find: the public index and the sitemap list the same ones."""

from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Article
from reviewapp.readmodels.withdrawn_wording import is_retracted
from reviewapp.rules.states import PublicationPolicy


def public_articles() -> list[Article]:
    """Return the articles readers can open, by title: their front matter approved, or shown
    with caution while pending, and not retracted (a retracted article's address still
    answers, with its notice, but nothing leads readers to it)."""
    return list(
        db.session.scalars(
            select(Article)
            .where(
                Article.front_matter_version_id.is_not(None)
                | (Article.publication == PublicationPolicy.PENDING_WITH_CAUTION.value),
                ~is_retracted(),
            )
            .order_by(Article.title)
        )
    )
