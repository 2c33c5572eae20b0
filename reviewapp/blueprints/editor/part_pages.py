"""What the pages proposing a part's version, and a part version's review screen, show.

A part is everything on the public page besides wording: the front matter, the review
settings, the outline, each reference and each site text (reviewapp/domain/part_chains.py).
"""

from dataclasses import dataclass
from typing import Any

from flask import render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import FieldList

from reviewapp.blueprints.editor.forms import EditForm
from reviewapp.blueprints.editor.pages import Diff, diff, review_context, version_diffs
from reviewapp.blueprints.editor.part_forms import OutlineForm, PartForm
from reviewapp.domain import part_chains
from reviewapp.domain.errors import DomainError, StaleVersion
from reviewapp.domain.part_chains import Part
from reviewapp.domain.parts import can_propose
from reviewapp.extensions import db
from reviewapp.models import Article, Version
from reviewapp.rules import parts as rules
from reviewapp.rules.states import PENDING_STATES, Kind
from reviewapp.text import markdown


@dataclass(frozen=True)
class Proposal:
    """What a proposal form is for: a part, or a reference that does not exist yet."""

    kind: Kind
    label: str
    article: Article | None
    action: str  # where the form posts
    part: Part | None = None  # None for a new reference, whose row is made on submission

    @property
    def is_new_reference(self) -> bool:
        return self.part is None


@dataclass(frozen=True)
class PartPreview:
    """The typed values as reviewers will read them, and how they differ from the newest."""

    readable: str
    html: Markup | None  # a site text as readers see it
    against: Diff
    problems: list[str]


def proposal_for(part: Part) -> Proposal:
    """Return the proposal form of an existing part."""
    return Proposal(part.kind, part.label, part.article, propose_url(part), part)


def new_reference_proposal(article: Article) -> Proposal:
    return Proposal(
        Kind.REFERENCE,
        "New reference",
        article,
        url_for("editor.propose_new_reference", slug=article.slug),
    )


def propose_url(part: Part) -> str:
    """Return the address of the page proposing a new version of `part`."""
    if part.kind is Kind.SITE_TEXT:
        return url_for("editor.propose_site_text", key=part.site_text_key)
    if part.kind is Kind.REFERENCE:
        return url_for("editor.propose_reference", slug=part.article.slug, key=part.reference.key)
    endpoint = {
        Kind.FRONT_MATTER: "editor.propose_front_matter",
        Kind.SETTINGS: "editor.propose_settings",
        Kind.OUTLINE: "editor.propose_outline",
    }[part.kind]
    return url_for(endpoint, slug=part.article.slug)


def history_url(part: Part) -> str:
    """Return the address of the board's history of `part`'s chain."""
    return url_for("board.chain_history", chain=part.chain)


def start(form: PartForm, part: Part) -> PartForm:
    """Fill a fresh form from the values a new proposal of `part` starts from."""
    newest = part.newest()
    values = part_chains.proposed_values(part)
    if isinstance(form, OutlineForm):
        named = {entry["key"] for entry in values.get("sections", [])}
        named |= set(values.get("retired", []))
        others = [
            (section.key, section.level)
            for section in part_chains.sections_of(part.article)
            if section.key not in named
        ]
        form.start_from(values, newest.id if newest else None, others=others)
    else:
        form.start_from(values, newest.id if newest else None)
    return form


def mark_field(form: PartForm, error: DomainError) -> None:
    """Show a refusal on the input the person can correct, when it is one plain input."""
    if error.field and error.field in form and not isinstance(form[error.field], FieldList):
        form[error.field].errors = [*form[error.field].errors, error.message]


def preview_of(kind: Kind, payload: dict[str, Any], newest: Version | None, label: str):
    """Render typed values as reviewers will read them, compared with the newest version."""
    readable = rules.readable(kind, payload)
    html = None
    if kind is Kind.SITE_TEXT:
        html = markdown.CitationNumbering().apply(markdown.render(payload["text"]).html)
    title = (
        f"Your values compared with version {newest.number}"
        if newest is not None
        else "Your values (there is no version yet to compare with)"
    )
    return PartPreview(
        readable=readable,
        html=html,
        against=diff(title, newest, label, readable),
        problems=[message for _, message in rules.problems(kind, payload)],
    )


def propose_page(
    proposal: Proposal,
    form: PartForm,
    *,
    payload: dict[str, Any] | None = None,
    previewed: bool = False,
    error: DomainError | None = None,
    status: int = 200,
):
    """Render a proposal form with what was typed, its preview, and what changed meanwhile."""
    part = proposal.part
    newest = part.newest() if part is not None else None
    published_id = part.published_id() if part is not None else None
    published = db.session.get(Version, published_id) if published_id else None
    base_id = EditForm.version_id(form.base_version_id.data)
    base = db.session.get(Version, base_id) if base_id is not None else None
    if base is not None and (part is None or base.chain != part.chain):
        base = None  # a version of another chain says nothing about this one
    typed = rules.readable(proposal.kind, payload) if payload is not None else None
    in_between = yours = None
    if newest is not None and newest.id != base_id:
        in_between = diff(
            f"What changed between version {base.number} and version {newest.number}"
            if base
            else f"Version {newest.number}, submitted since you started",
            base,
            newest.heading,
            newest.body,
        )
        if typed is not None:
            yours = diff(
                f"Your values compared with version {newest.number}",
                newest,
                newest.heading,
                typed,
            )
        # A box ticked for an older version submitted meanwhile does not carry to a newer one.
        if form.seen_version_id.data != str(newest.id):
            form.build_on_seen.data = False
        form.seen_version_id.data = str(newest.id)
    else:
        form.seen_version_id.data = ""
        form.build_on_seen.data = False
    preview = (
        preview_of(proposal.kind, payload, newest, proposal.label) if payload is not None else None
    )
    return (
        render_template(
            "editor/propose.html",
            proposal=proposal,
            article=proposal.article,
            form=form,
            error=error,
            stale_error=isinstance(error, StaleVersion),
            newest=newest,
            base=base,
            published=published,
            supersedes=newest
            if newest is not None and newest.workflow_state in PENDING_STATES
            else None,
            in_between=in_between,
            yours=yours,
            preview=preview,
            previewed=previewed,
            history=history_url(part) if part is not None and newest is not None else None,
            back=_back(proposal),
            wide=True,
        ),
        status,
    )


def _back(proposal: Proposal) -> tuple[str, str]:
    if proposal.article is None:
        return url_for("editor.site_texts"), "Site texts"
    return url_for("editor.overview", slug=proposal.article.slug), proposal.article.title


def part_review_page(
    version: Version, *, action_form=None, comment_form=None, interest_form=None, status=200
):
    """Render the review screen of a version of any part besides wording."""
    part = part_chains.part_of(version)
    published_id = part.published_id()
    published = db.session.get(Version, published_id) if published_id else None
    citing = (
        part_chains.citing_sections(version.reference)
        if version.kind_enum is Kind.REFERENCE
        else []
    )
    context = review_context(
        version, action_form=action_form, comment_form=comment_form, interest_form=interest_form
    )
    return (
        render_template(
            "editor/part_version.html",
            part=part,
            article=part.article,
            html=markdown.CitationNumbering().apply(version.body_html),
            published=published,
            newest=part.newest(),
            diffs=version_diffs(version, published),
            citing=citing,
            required_signoffs=part_chains.required_signoffs(version),
            values_language=site_text_language(part),
            propose=propose_url(part) if can_propose(current_user) else None,
            history=history_url(part),
            back=_back(proposal_for(part)),
            **context,
        ),
        status,
    )


def site_text_language(part: Part) -> str | None:
    """Return the language a site text is written in, when its key names one."""
    if part.kind is not Kind.SITE_TEXT:
        return None
    pieces = part.site_text_key.split(".")
    return pieces[2] if len(pieces) > 2 else None
