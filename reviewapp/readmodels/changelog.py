"""An article's public changelog: what readers are told changed in each approved version.

Readers see each version's public change note, never its change summary (the staff's
reason, which may name people or internal steps): this module does not even read it.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select

from reviewapp.extensions import db
from reviewapp.models import Article, Reference, Section, Version
from reviewapp.models.version import CARRIED_OVER
from reviewapp.rules.states import Audience, Kind, State

# Every approved change readers see: wording, front matter, references and the outline
# (review settings and site texts are the site's business, in the board's history).
SHOWN_KINDS = (Kind.WORDING, Kind.FRONT_MATTER, Kind.REFERENCE, Kind.OUTLINE)


@dataclass(frozen=True)
class ChangelogRow:
    approved_at: datetime
    kind: Kind
    number: int
    heading: str
    public_note: str | None
    # The chain's first approved version: with no note, the page says "first approved".
    first: bool
    audience: Audience | None = None  # wording only
    section_key: str | None = None
    # The section is still on the page, so its anchor is there to link to.
    on_page: bool = False
    reference_key: str | None = None
    # A reference is named by its title, as the page's list of references shows it.
    reference_title: str | None = None
    # A re-review that reached quorum: the wording was checked again and kept unchanged
    # (readmodels/re_reviews.py); `approved_at` is then when it was re-certified.
    re_reviewed: bool = False

    @property
    def is_wording(self) -> bool:
        return self.kind is Kind.WORDING


def changelog_rows(article: Article) -> list[ChangelogRow]:
    """Return the article's approved versions readers see, newest first: one query."""
    rows = db.session.execute(
        select(
            Version.chain,
            Version.kind,
            Version.number,
            Version.audience,
            Version.heading,
            Version.public_note,
            Version.approved_at,
            Version.provenance,
            Section.key.label("section_key"),
            Section.in_outline,
            Reference.key.label("reference_key"),
            # Only a reference's (short) payload is read: it holds the title readers know.
            case((Version.kind == Kind.REFERENCE.value, Version.payload)).label("payload"),
        )
        .outerjoin(Section, Section.id == Version.section_id)
        .outerjoin(Reference, Reference.id == Version.reference_id)
        .where(
            Version.article_id == article.id,
            # Withdrawn wording was approved and published: its approval stays in the log,
            # and its withdrawal is listed beside it (readmodels/withdrawn_wording.py).
            Version.state.in_([State.APPROVED.value, State.WITHDRAWN.value]),
            Version.kind.in_([kind.value for kind in SHOWN_KINDS]),
        )
        .order_by(Version.approved_at.desc(), Version.id.desc())
    ).all()
    # Counted over carried-over versions too: the version approved after one is a revision.
    first_number: dict[str, int] = {}
    for row in rows:
        first_number[row.chain] = min(row.number, first_number.get(row.chain, row.number))
    return [
        ChangelogRow(
            approved_at=row.approved_at,
            kind=Kind(row.kind),
            number=row.number,
            heading=row.heading,
            public_note=row.public_note or None,
            first=row.number == first_number[row.chain],
            audience=Audience(row.audience) if row.kind == Kind.WORDING.value else None,
            section_key=row.section_key,
            on_page=bool(row.in_outline),
            reference_key=row.reference_key,
            reference_title=json.loads(row.payload).get("title") if row.payload else None,
        )
        for row in rows
        if row.provenance != CARRIED_OVER
    ]
