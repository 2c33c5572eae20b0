"""The audit trail as auditors read it: filtered pages of events, each named by its article,
section and version ("Section “Dosage” (dosage), clinician wording, Version 3"), with its
before and after as labelled fields.

A page takes a fixed number of queries: the events come with their subject, version, section
and article in one joined query; the versions and people their fields name, in one each.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Section, User, Version
from reviewapp.models.audit import AuditSubject
from reviewapp.rules import audit_actions as labels

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    article: str = ""
    # A section key. Keys are unique within an article only: with no article, a key that
    # several articles use is refused (SectionChoice), never merged.
    section: str = ""
    actor: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class SectionChoice:
    """The sections a filter's section key names; `problem` says why it names none."""

    ids: tuple[int, ...] = ()
    problem: str | None = None


def choose_section(filters: AuditFilters) -> SectionChoice:
    """Find the section the filters' key names: in their article, or the one that has it."""
    if not filters.section:
        return SectionChoice()
    key = filters.section.strip()
    query = (
        select(Section.id, Article.slug)
        .join(Article, Article.id == Section.article_id)
        .where(Section.key == key)
        .order_by(Article.slug)
    )
    if filters.article:
        query = query.where(Article.slug == filters.article.strip())
    rows = db.session.execute(query).all()
    if not rows:
        where = f" in article '{filters.article.strip()}'" if filters.article else ""
        return SectionChoice(problem=f"No section has the key '{key}'{where}.")
    if len(rows) > 1:
        slugs = ", ".join(row.slug for row in rows)
        return SectionChoice(
            problem=f"Several articles have a section '{key}' ({slugs}): choose the article too."
        )
    return SectionChoice(ids=(rows[0].id,))


def audit_query(filters: AuditFilters, section_ids: Sequence[int] = ()) -> Select:
    """Return the filtered events with their subject, newest first (keyset paging on the id).

    Each row: the event, then its subject's version id, number, kind, audience and heading,
    its section's key and its article's slug and title (None where it has none).
    """
    columns = (
        AuditEvent,
        AuditSubject.version_id,
        AuditSubject.section_id.label("subject_section_id"),
        Version.number.label("version_number"),
        Version.kind.label("version_kind"),
        Version.audience.label("version_audience"),
        Version.heading.label("version_heading"),
        Section.key.label("section_key"),
        Article.slug.label("article_slug"),
        Article.title.label("article_title"),
    )
    if filters.section:
        # From the subject index: the section's events in its own order, one index range.
        query = (
            select(*columns)
            .select_from(AuditSubject)
            .join(AuditEvent, AuditEvent.id == AuditSubject.event_id)
            .where(AuditSubject.section_id.in_(section_ids))
            .order_by(AuditSubject.event_id.desc())
        )
    else:
        query = (
            select(*columns)
            .select_from(AuditEvent)
            .outerjoin(AuditSubject, AuditSubject.event_id == AuditEvent.id)
            .order_by(AuditEvent.id.desc())
        )
    query = (
        query.outerjoin(Version, Version.id == AuditSubject.version_id)
        .outerjoin(Section, Section.id == AuditSubject.section_id)
        .outerjoin(Article, Article.id == AuditEvent.article_id)
    )
    if filters.article:
        article_id = (
            select(Article.id).where(Article.slug == filters.article.strip()).scalar_subquery()
        )
        query = query.where(AuditEvent.article_id == article_id)
    if filters.actor:
        actor_id = select(User.id).where(User.email == filters.actor.strip().lower())
        query = query.where(AuditEvent.actor_id.in_(actor_id))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action.strip())
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.occurred_at <= filters.until)
    return query


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    # Hashes and prefixes read as code; everything else as text.
    code: bool = False


@dataclass
class EventView:
    event: AuditEvent
    subject: str  # "Section “Dosage” (dosage), clinician wording, Version 3", or ""
    version_id: int | None
    version_number: int | None
    section_key: str | None
    article_slug: str | None
    article_title: str | None
    target: str = ""
    before: list[Field] = field(default_factory=list)
    after: list[Field] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return labels.action_label(self.event.action)

    @property
    def outcome_label(self) -> str:
        return labels.OUTCOME_LABELS.get(self.event.outcome, self.event.outcome)

    @property
    def refused(self) -> bool:
        return self.event.outcome == "refused"


def subject_label(
    kind: str | None, audience: str | None, heading: str | None, key: str | None, number: int
) -> str:
    """Name a version the way the other pages do: its part, then "Version N"."""
    if kind == "wording":
        title = f"Section “{heading}” ({key})" if heading else f"Section {key}"
        return f"{title}, {audience} wording, Version {number}"
    return f"{heading or labels.kind_label(kind or '')}, Version {number}"


@dataclass
class _Names:
    """Names for the ids an event's fields and target hold, loaded once per page."""

    versions: dict[int, str] = field(default_factory=dict)
    sections: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)


# An export names up to 100,000 events: their ids are asked for in slices SQLite accepts.
ID_SLICE = 10_000


def _slices(ids: set[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), ID_SLICE):
        yield ordered[start : start + ID_SLICE]


def _ids(values: Iterable[Any]) -> set[int]:
    return {value for value in values if isinstance(value, int) and not isinstance(value, bool)}


def _load_names(parsed: list[tuple[AuditEvent, dict, dict]], subjects: list[dict]) -> _Names:
    version_ids: set[int] = set()
    section_ids: set[int] = set()
    user_ids: set[int] = set()
    for (event, before, after), subject in zip(parsed, subjects, strict=True):
        for recorded in (before, after):
            shown = {
                key: value
                for key, value in recorded.items()
                if not _is_subject(key, value, subject)
            }
            version_ids |= _ids(shown.get(key) for key in labels.VERSION_FIELDS)
            section_ids |= _ids([shown.get("section_id")])
            user_ids |= _ids(shown.get(key) for key in labels.USER_FIELDS)
        if event.target_type == "user":
            user_ids |= _ids([event.target_id])
    names = _Names()
    for ids in _slices(version_ids):
        rows = db.session.execute(
            select(
                Version.id,
                Version.kind,
                Version.audience,
                Version.heading,
                Version.number,
                Section.key,
            )
            .outerjoin(Section, Section.id == Version.section_id)
            .where(Version.id.in_(ids))
        ).all()
        names.versions |= {
            row.id: subject_label(row.kind, row.audience, row.heading, row.key, row.number)
            for row in rows
        }
    for ids in _slices(section_ids):
        rows = db.session.execute(
            select(Section.id, Section.key, Article.slug)
            .join(Article, Article.id == Section.article_id)
            .where(Section.id.in_(ids))
        ).all()
        names.sections |= {row.id: f"{row.key} ({row.slug})" for row in rows}
    for ids in _slices(user_ids):
        rows = db.session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(ids))
        ).all()
        names.users |= {row.id: f"{row.name} <{row.email}>" for row in rows}
    return names


def _value(key: str, value: Any, names: _Names) -> Field:
    label = labels.field_label(key)
    if value is None:
        return Field(label, "—")
    if isinstance(value, bool):
        return Field(label, "Yes" if value else "No")
    if key in labels.VERSION_FIELDS and isinstance(value, int):
        return Field(label, names.versions.get(value, f"a version no longer stored ({value})"))
    if key == "section_id" and isinstance(value, int):
        return Field(label, names.sections.get(value, f"a section no longer stored ({value})"))
    if key in labels.USER_FIELDS and isinstance(value, int):
        return Field(label, names.users.get(value, f"an account no longer stored ({value})"))
    if key in labels.STATE_FIELDS and isinstance(value, str):
        return Field(label, labels.state_label(value))
    if key in labels.KIND_FIELDS and isinstance(value, str):
        return Field(label, labels.kind_label(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return Field(label, ", ".join(value) or "none")
    if isinstance(value, list | dict):
        return Field(label, json.dumps(value, ensure_ascii=False, sort_keys=True), code=True)
    return Field(label, str(value), code=key in ("content_hash", "prefix"))


def _is_subject(key: str, value: Any, subject: dict[str, int | None]) -> bool:
    # The event's subject line names its version and section already.
    return key in subject and value == subject[key]


def _fields(recorded: dict[str, Any], subject: dict[str, int | None], names: _Names) -> list[Field]:
    return [
        _value(key, value, names)
        for key, value in recorded.items()
        if not _is_subject(key, value, subject)
    ]


def _target(event: AuditEvent, subject: str, names: _Names, article_title: str | None) -> str:
    kind, target_id = event.target_type, event.target_id
    if kind == "version" and subject:
        return subject
    if kind == "signoff" and subject:
        return f"Signature on {subject}"
    if kind == "comment" and subject:
        return f"Comment on {subject}"
    if kind == "user" and target_id is not None:
        return names.users.get(target_id, f"account {target_id}")
    if kind == "article" and article_title:
        return article_title
    if kind == "api_token":
        return "API token"
    return kind.replace("_", " ")


def event_views(rows: Sequence) -> list[EventView]:
    """Name each row of `audit_query` for people: a fixed number of queries for any count."""
    parsed = [(row[0], json.loads(row[0].before), json.loads(row[0].after)) for row in rows]
    subjects = [
        {"version_id": row.version_id, "section_id": row.subject_section_id}
        if row.version_id is not None
        else {}
        for row in rows
    ]
    names = _load_names(parsed, subjects)
    views = []
    for row, (event, before, after), ids in zip(rows, parsed, subjects, strict=True):
        subject = (
            subject_label(
                row.version_kind,
                row.version_audience,
                row.version_heading,
                row.section_key,
                row.version_number,
            )
            if row.version_id is not None
            else ""
        )
        views.append(
            EventView(
                event=event,
                subject=subject,
                version_id=row.version_id,
                version_number=row.version_number,
                section_key=row.section_key,
                article_slug=row.article_slug,
                article_title=row.article_title,
                target=_target(event, subject, names, row.article_title),
                before=_fields(before, ids, names),
                after=_fields(after, ids, names),
            )
        )
    return views


def audit_page(
    filters: AuditFilters, before: int | None, section_ids: Sequence[int] = ()
) -> tuple[list[EventView], int | None]:
    """Return one page of events and the cursor for the next (older) page, if any."""
    query = audit_query(filters, section_ids)
    if before:
        paged_by = AuditSubject.event_id if filters.section else AuditEvent.id
        query = query.where(paged_by < before)
    rows = db.session.execute(query.limit(AUDIT_PAGE_SIZE + 1)).all()
    more = len(rows) > AUDIT_PAGE_SIZE
    views = event_views(rows[:AUDIT_PAGE_SIZE])
    return views, (views[-1].event.id if more and views else None)
