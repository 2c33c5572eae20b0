"""Import articles from content files and export them back, through the workflow rules."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from reviewapp.domain import audit
from reviewapp.domain.errors import PermissionDenied, ValidationError
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, ArticleAuthor, Reference, Section, User, Version
from reviewapp.rules.links import web_address_problem
from reviewapp.rules.states import Audience, Role
from reviewapp.text.content_files import REFERENCE_FIELDS, ArticleFiles, SectionText

ARTICLE_FIELDS = (
    "title",
    "title_language",
    "language",
    "publication",
    "required_signoffs",
    "review_interval_months",
)
AUTHOR_FIELDS = ("name", "credentials", "disclosures")


@dataclass
class ImportReport:
    slug: str
    created_article: bool = False
    changes: list[str] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return self.created_article or bool(self.changes) or bool(self.versions)


def _author_rows(article: Article) -> list[dict[str, str]]:
    return [{name: getattr(author, name) for name in AUTHOR_FIELDS} for author in article.authors]


def _reference_row(reference: Reference) -> dict[str, Any]:
    row: dict[str, Any] = {"key": reference.key, "kind": reference.kind}
    for name in REFERENCE_FIELDS:
        value = getattr(reference, name)
        if value not in ("", None):
            row[name] = value
    return row


def _normalise_reference(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if value not in ("", None)}


def import_article(
    actor: User, files: ArticleFiles, *, change_summary: str = "", provenance: str = "human"
) -> ImportReport:
    """Bring the database in line with validated files; unchanged wording makes no version."""
    if not actor.has_role(Role.CONTRIBUTOR):
        raise PermissionDenied(
            f"{actor.email} cannot import: importing submits wording, "
            "which needs the contributor role.",
            action="content.import",
        )
    _refuse_unsafe_links(files)
    report = ImportReport(slug=files.slug)
    article = db.session.scalar(select(Article).where(Article.slug == files.slug))
    if article is None:
        article = Article(slug=files.slug, title="", language="", public_revision=1)
        db.session.add(article)
        report.created_article = True
    else:
        _refuse_changes_to_reviewed_parts(article, files)
    _apply_metadata(actor, article, files, report)
    _apply_references(actor, article, files, report)
    db.session.flush()

    existing = {
        section.key: section
        for section in db.session.scalars(select(Section).where(Section.article_id == article.id))
    }
    for position, text in enumerate(files.wording[Audience.CLINICIAN]):
        section = existing.get(text.key)
        if section is None:
            section = Section(article=article, key=text.key, level=text.level, position=position)
            db.session.add(section)
            db.session.flush()
            existing[text.key] = section
            report.changes.append(f"section {text.key} created")
        elif (section.level, section.position) != (text.level, position):
            before = {"level": section.level, "position": section.position}
            section.level, section.position = text.level, position
            audit.record(
                actor,
                "section.update",
                target=("section", section.id),
                article_id=article.id,
                before=before,
                after={"level": text.level, "position": position},
            )
            report.changes.append(f"section {text.key} moved")
    for audience, sections in files.wording.items():
        for text in sections:
            version = _import_wording(
                actor, existing[text.key], audience, text, files.slug, change_summary, provenance
            )
            if version is not None:
                report.versions.append(version)
    audit.record(
        actor,
        "content.import",
        target=("article", article.id),
        article_id=article.id,
        after={
            "created_article": report.created_article,
            "changes": report.changes,
            "versions": [v.id for v in report.versions],
        },
    )
    return report


def _has_published_wording(article: Article) -> bool:
    return (
        db.session.scalar(
            select(Section.id)
            .where(
                Section.article_id == article.id,
                (Section.published_clinician_id.is_not(None))
                | (Section.published_patient_id.is_not(None)),
            )
            .limit(1)
        )
        is not None
    )


def _refuse_changes_to_reviewed_parts(article: Article, files: ArticleFiles) -> None:
    """Refuse an import that would change, unreviewed, what readers see as reviewed.

    Front matter, review settings and references are shown next to signed wording and
    settings decide what is signed: once an article has approved wording they change only
    through review, never by a file alone. New references may be added (readers see them
    only with the wording that cites them, which is reviewed).
    """
    if not _has_published_wording(article):
        return
    changed = [
        name for name in ARTICLE_FIELDS if getattr(article, name) != files.meta.get(name, "")
    ]
    wanted_authors = [
        {name: author.get(name, "") for name in AUTHOR_FIELDS} for author in files.authors
    ]
    if _author_rows(article) != wanted_authors:
        changed.append("authors")
    current = {reference.key: _reference_row(reference) for reference in article.references}
    changed += [
        f"reference {row['key']}"
        for row in files.references
        if row["key"] in current and current[row["key"]] != _normalise_reference(row)
    ]
    if changed:
        raise ValidationError(
            f"{files.slug}: {', '.join(changed)} would change on a page readers see as "
            "reviewed, without review. These parts are not yet reviewed through the workflow, "
            "so the import changes nothing: put them back as they are, and ask an admin to "
            "make the change with the board's agreement.",
            action="content.import",
            target=("article", article.id),
            article_id=article.id,
        )


def _apply_metadata(
    actor: User, article: Article, files: ArticleFiles, report: ImportReport
) -> None:
    wanted = {name: files.meta.get(name, "") for name in ARTICLE_FIELDS}
    before = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    changed = {name: value for name, value in wanted.items() if before[name] != value}
    authors_before = _author_rows(article)
    authors_wanted = [
        {name: author.get(name, "") for name in AUTHOR_FIELDS} for author in files.authors
    ]
    if not changed and authors_before == authors_wanted:
        return
    for name, value in changed.items():
        setattr(article, name, value)
    if authors_before != authors_wanted:
        article.authors = [
            ArticleAuthor(position=index, **row) for index, row in enumerate(authors_wanted)
        ]
    article.mark_public_change()
    db.session.flush()
    audit.record(
        actor,
        "article.create" if report.created_article else "article.update",
        target=("article", article.id),
        article_id=article.id,
        before={**{k: before[k] for k in changed}, "authors": authors_before},
        after={**changed, "authors": authors_wanted},
    )
    if not report.created_article:
        report.changes.append("article details updated")


def _refuse_unsafe_links(files: ArticleFiles) -> None:
    # Files read from disk were checked already; references built any other way are not.
    for row in files.references:
        url = row.get("url", "")
        if url != "" and (problem := web_address_problem(url)):
            raise ValidationError(
                f"Reference '{row['key']}' of {files.slug}: {problem}",
                action="content.import",
                field="url",
            )


def _apply_references(
    actor: User, article: Article, files: ArticleFiles, report: ImportReport
) -> None:
    current = {reference.key: reference for reference in article.references}
    for position, row in enumerate(files.references):
        wanted = _normalise_reference(row)
        reference = current.get(row["key"])
        before = _reference_row(reference) if reference else {}
        if reference is not None and before == wanted and reference.position == position:
            continue
        if reference is None:
            reference = Reference(key=row["key"], position=position, kind=row["kind"])
            article.references.append(reference)
        reference.position = position
        reference.kind = row["kind"]
        for name in REFERENCE_FIELDS:
            setattr(reference, name, row.get(name, None if name == "year" else ""))
        db.session.flush()
        if before == wanted:
            continue  # only its place in the list moved
        article.mark_public_change()
        audit.record(
            actor,
            "reference.update" if before else "reference.create",
            target=("reference", reference.id),
            article_id=article.id,
            before=before,
            after=wanted,
        )
        report.changes.append(f"reference {row['key']} {'updated' if before else 'added'}")


def _import_wording(
    actor: User,
    section: Section,
    audience: Audience,
    text: SectionText,
    slug: str,
    change_summary: str,
    provenance: str,
) -> Version | None:
    newest = latest_version(section, audience)
    if newest is not None and (newest.heading, newest.body) == (text.heading, text.body.strip()):
        return None
    return submit_version(
        actor,
        section,
        audience,
        heading=text.heading,
        body=text.body,
        base_version_id=newest.id if newest else None,
        provenance=provenance,
        change_summary=change_summary,
        where=f"{slug}/{audience.value}.md",
        line_offset=text.line - 1,
    )


def export_article(article: Article) -> ArticleFiles:
    """Return an article as files, with the newest wording of every section and audience."""
    meta = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    if not meta["title_language"]:
        del meta["title_language"]
    sections = list(
        db.session.scalars(
            select(Section).where(Section.article_id == article.id).order_by(Section.position)
        )
    )
    files = ArticleFiles(
        slug=article.slug,
        meta=meta,
        authors=[
            {name: value for name, value in row.items() if value} for row in _author_rows(article)
        ],
        references=[_reference_row(reference) for reference in article.references],
    )
    for audience in Audience:
        texts = []
        for section in sections:
            newest = latest_version(section, audience)
            if newest is not None:
                texts.append(
                    SectionText(section.key, section.level, newest.heading, newest.body, line=0)
                )
        if texts:
            files.wording[audience] = texts
    return files
