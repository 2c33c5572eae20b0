"""Import articles from content files as submitted versions, and export them back."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from reviewapp.domain import audit, part_chains
from reviewapp.domain.errors import PermissionDenied, ValidationError
from reviewapp.domain.parts import new_reference, submit_part
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, Section, User, Version
from reviewapp.rules import parts as rules
from reviewapp.rules.links import web_address_problem
from reviewapp.rules.states import Audience, PublicationPolicy, Role
from reviewapp.text.content_files import ArticleFiles, SectionText


@dataclass
class ImportReport:
    slug: str
    created_article: bool = False
    versions: list[Version] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return self.created_article or bool(self.versions)


def import_article(
    actor: User,
    files: ArticleFiles,
    *,
    change_summary: str = "",
    provenance: str = "human",
    public_note: str | None = None,
) -> ImportReport:
    """Submit one version for each part of the article that differs from the files.

    Nothing is applied: front matter, review settings, references, the outline and the
    wording each get a Submitted version when they differ from their chain's newest version,
    and readers see a change only once it is approved. Unchanged files submit nothing.
    The files hold no public change note: `public_note`, when given, goes with each changed
    section's wording (and is then required where it was approved before, as on the page).
    """
    if not actor.has_role(Role.CONTRIBUTOR):
        raise PermissionDenied(
            f"{actor.email} cannot import: importing submits versions, "
            "which needs the contributor role.",
            action="content.import",
        )
    _refuse_unsafe_links(files)
    report = ImportReport(slug=files.slug)
    article = db.session.scalar(select(Article).where(Article.slug == files.slug))
    if article is None:
        article = Article(
            slug=files.slug,
            title=files.meta.get("title", ""),
            language=files.meta.get("language", ""),
            publication=PublicationPolicy.APPROVED_ONLY.value,
            public_revision=1,
        )
        db.session.add(article)
        db.session.flush()
        report.created_article = True

    def propose(part: part_chains.Part, wanted: dict[str, Any]) -> None:
        newest = part.newest()
        current = part_chains.payload_of(newest) if newest else None
        if current == wanted:
            return
        report.versions.append(
            submit_part(
                actor,
                part,
                wanted,
                base_version_id=newest.id if newest else None,
                change_summary=change_summary,
                provenance=provenance,
            )
        )

    propose(part_chains.front_matter_part(article), _front_matter(files))
    propose(
        part_chains.settings_part(article),
        rules.settings(
            publication=files.meta.get("publication", PublicationPolicy.APPROVED_ONLY.value),
            required_signoffs=files.meta.get("required_signoffs", 1),
            review_interval_months=files.meta.get("review_interval_months", 12),
        ),
    )
    existing_references = {reference.key: reference for reference in article.references}
    for row in files.references:
        reference = existing_references.get(row["key"]) or new_reference(actor, article, row["key"])
        propose(part_chains.reference_part(reference), rules.reference(row["key"], row))

    sections = {section.key: section for section in part_chains.sections_of(article)}
    wanted_keys = [text.key for text in files.wording[Audience.CLINICIAN]]
    propose(
        part_chains.outline_part(article),
        rules.outline(
            [(text.key, text.level) for text in files.wording[Audience.CLINICIAN]],
            [key for key in sections if key not in wanted_keys],
        ),
    )
    sections = {section.key: section for section in part_chains.sections_of(article)}
    for audience, texts in files.wording.items():
        for text in texts:
            version = _import_wording(
                actor,
                sections[text.key],
                audience,
                text,
                files.slug,
                change_summary,
                provenance,
                public_note,
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
            "versions": [{"id": v.id, "kind": v.kind} for v in report.versions],
        },
    )
    return report


def _front_matter(files: ArticleFiles) -> dict[str, Any]:
    return rules.front_matter(
        title=files.meta.get("title", ""),
        title_language=files.meta.get("title_language", ""),
        language=files.meta.get("language", ""),
        specialty=files.meta.get("specialty", ""),
        authors=files.authors,
    )


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


def _import_wording(
    actor: User,
    section: Section,
    audience: Audience,
    text: SectionText,
    slug: str,
    change_summary: str,
    provenance: str,
    public_note: str | None = None,
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
        public_note=public_note,
        where=f"{slug}/{audience.value}.md",
        line_offset=text.line - 1,
    )


def export_article(article: Article) -> ArticleFiles:
    """Return an article as files, with the newest version of every part, whatever its state."""
    front_matter = part_chains.proposed_values(part_chains.front_matter_part(article))
    settings = part_chains.proposed_values(part_chains.settings_part(article))
    meta = {
        name: front_matter[name]
        for name in ("title", "title_language", "language", "specialty")
        if front_matter[name] or name in ("title", "language")
    } | settings
    outline = part_chains.proposed_values(part_chains.outline_part(article))
    levels = {entry["key"]: entry["level"] for entry in outline["sections"]}
    sections = {section.key: section for section in part_chains.sections_of(article)}
    references = []
    for reference in article.references:
        values = part_chains.proposed_values(part_chains.reference_part(reference))
        references.append(
            {name: value for name, value in values.items() if value not in ("", None)}
        )
    files = ArticleFiles(
        slug=article.slug,
        meta=meta,
        authors=[
            {name: value for name, value in author.items() if value}
            for author in front_matter["authors"]
        ],
        references=references,
    )
    for audience in Audience:
        texts = []
        for key, level in levels.items():
            newest = latest_version(sections[key], audience)
            if newest is not None:
                texts.append(SectionText(key, level, newest.heading, newest.body, line=0))
        if texts:
            files.wording[audience] = texts
    return files
