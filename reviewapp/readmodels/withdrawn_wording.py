"""What the public page shows of withdrawals and retractions, read inside its own queries.

A section's withdrawals come back inside the section's row (a JSON subquery), and an
article's retraction inside the article's, so the page keeps its fixed number of queries.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import aliased

from reviewapp.extensions import db
from reviewapp.models import Article, Section, Version, Withdrawal, WithdrawnVersion
from reviewapp.readmodels.sql_json import json_rows, parse_rows
from reviewapp.rules.states import Audience
from reviewapp.rules.withdrawals import WithdrawalKind


@dataclass(frozen=True)
class ShownWithdrawal:
    """One audience's wording of a section taken down, as the page says it."""

    audience: str
    # The withdrawn version's number and heading (the heading still names the section).
    number: int
    heading: str
    reason: str
    withdrawn_at: datetime
    # The older version shown again instead, if the editor reinstated one.
    reinstated_number: int | None = None

    @property
    def reinstated(self) -> bool:
        return self.reinstated_number is not None


@dataclass(frozen=True)
class Retraction:
    """An article's retraction notice: who, in what role, when and why."""

    printed_name: str
    role: str
    reason: str
    retracted_at: datetime
    countersigned_name: str = ""
    countersigned_at: datetime | None = None


def section_withdrawals(dialect: str) -> ColumnElement[str]:
    """Return the JSON of every withdrawal of a section's wording, correlated to Section."""
    withdrawn, reinstated = aliased(Version), aliased(Version)
    return (
        select(
            json_rows(
                dialect,
                audience=WithdrawnVersion.audience,
                number=WithdrawnVersion.number,
                heading=withdrawn.heading,
                reason=Withdrawal.reason,
                withdrawn_at=Withdrawal.withdrawn_at,
                reinstated_number=reinstated.number,
            )
        )
        .select_from(WithdrawnVersion)
        .join(Withdrawal, Withdrawal.id == WithdrawnVersion.withdrawal_id)
        .join(withdrawn, withdrawn.id == WithdrawnVersion.version_id)
        .outerjoin(reinstated, reinstated.id == WithdrawnVersion.reinstated_version_id)
        .where(WithdrawnVersion.section_id == Section.id)
        .scalar_subquery()
    )


def parse_withdrawals(text: str | None) -> list[ShownWithdrawal]:
    """Decode `section_withdrawals` text."""
    return [ShownWithdrawal(**row) for row in parse_rows(text, times=("withdrawn_at",))]


def article_retraction(dialect: str) -> ColumnElement[str]:
    """Return the JSON of an article's retraction (none or one row), correlated to Article."""
    return (
        select(
            json_rows(
                dialect,
                printed_name=Withdrawal.printed_name,
                role=Withdrawal.role,
                reason=Withdrawal.reason,
                retracted_at=Withdrawal.withdrawn_at,
                countersigned_name=Withdrawal.countersigned_name,
                countersigned_at=Withdrawal.countersigned_at,
            )
        )
        .where(
            Withdrawal.article_id == Article.id,
            Withdrawal.kind == WithdrawalKind.RETRACTION.value,
        )
        .scalar_subquery()
    )


def parse_retraction(text: str | None) -> Retraction | None:
    """Decode `article_retraction` text."""
    rows = parse_rows(text, times=("retracted_at", "countersigned_at"))
    return Retraction(**rows[0]) if rows else None


def in_effect(
    withdrawals: list[ShownWithdrawal], audience: Audience, published: Version | None
) -> ShownWithdrawal | None:
    """Return the withdrawal the page shows for one audience's wording of a section: the
    newest of that chain, until a version newer than the withdrawn one is approved."""
    own = [item for item in withdrawals if item.audience == audience.value]
    if not own:
        return None
    newest = max(own, key=lambda item: (item.withdrawn_at, item.number))
    if published is not None and published.number > newest.number:
        return None
    return newest


def is_retracted() -> ColumnElement[bool]:
    """Return the condition, on Article, that it is retracted (for the index and sitemap)."""
    return (
        select(Withdrawal.id)
        .where(
            Withdrawal.article_id == Article.id,
            Withdrawal.kind == WithdrawalKind.RETRACTION.value,
        )
        .exists()
    )


@dataclass(frozen=True)
class LoggedWithdrawal:
    """One line of the public changelog's withdrawals: what was taken down, when and why."""

    withdrawn_at: datetime
    retraction: bool
    reason: str
    # One audience's wording of a section, newest withdrawals first; none for a retraction.
    audience: Audience | None = None
    section_key: str | None = None
    heading: str = ""
    number: int | None = None
    reinstated_number: int | None = None
    on_page: bool = False


def withdrawal_log(article: Article) -> list[LoggedWithdrawal]:
    """Return the article's withdrawals and retraction, newest first: one query."""
    withdrawn, reinstated = aliased(Version), aliased(Version)
    rows = db.session.execute(
        select(
            Withdrawal.withdrawn_at,
            Withdrawal.kind,
            Withdrawal.reason,
            WithdrawnVersion.audience,
            WithdrawnVersion.number,
            Section.key,
            Section.in_outline,
            withdrawn.heading,
            reinstated.number,
        )
        .select_from(Withdrawal)
        .outerjoin(WithdrawnVersion, WithdrawnVersion.withdrawal_id == Withdrawal.id)
        .outerjoin(Section, Section.id == WithdrawnVersion.section_id)
        .outerjoin(withdrawn, withdrawn.id == WithdrawnVersion.version_id)
        .outerjoin(reinstated, reinstated.id == WithdrawnVersion.reinstated_version_id)
        .where(Withdrawal.article_id == article.id)
        .order_by(Withdrawal.withdrawn_at.desc(), Withdrawal.id.desc(), Section.position)
    ).all()
    log: list[LoggedWithdrawal] = []
    retractions_listed: set[datetime] = set()
    for at, kind, reason, audience, number, key, in_outline, heading, back in rows:
        if kind == WithdrawalKind.RETRACTION.value:
            # One line for the article, however many versions it took down.
            if at not in retractions_listed:
                retractions_listed.add(at)
                log.append(LoggedWithdrawal(at, True, reason))
            continue
        log.append(
            LoggedWithdrawal(
                at,
                False,
                reason,
                audience=Audience(audience),
                section_key=key,
                heading=heading or "",
                number=number,
                reinstated_number=back,
                on_page=bool(in_outline),
            )
        )
    return log
