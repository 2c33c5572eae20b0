"""Site-wide texts: the wording of each text's approved version, or the shipped default."""

from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import SiteText
from reviewapp.rules.site_texts import DEFAULTS, default_text, shipped_languages

__all__ = ["DEFAULTS", "default_text", "shipped_languages", "site_text"]


def site_text(key: str) -> str:
    """Return the approved wording of the site text `key`, or its shipped default."""
    stored = db.session.scalar(
        select(SiteText.body).where(SiteText.key == key, SiteText.published_version_id.is_not(None))
    )
    return stored if stored is not None else default_text(key)
