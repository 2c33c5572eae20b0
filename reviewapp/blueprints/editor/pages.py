"""What the edit page and the review screen show, gathered for their templates."""

from dataclasses import dataclass, field

from flask import render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reviewapp.blueprints.board.forms import InterestStatementForm
from reviewapp.blueprints.editor import assignment
from reviewapp.blueprints.editor.forms import (
    ActionForm,
    CommentForm,
    ConfirmForm,
    EditForm,
    ReviewForm,
)
from reviewapp.domain import declarations
from reviewapp.domain.comments import can_comment, can_resolve
from reviewapp.domain.engine import allowed_actions, unresolved_comments
from reviewapp.domain.errors import DomainError, StaleVersion
from reviewapp.domain.versions import can_submit, latest_version
from reviewapp.extensions import db
from reviewapp.models import Article, Comment, Reference, Section, Version, VersionTransition
from reviewapp.readmodels.re_reviews import re_review_view
from reviewapp.readmodels.review_queue import staleness
from reviewapp.rules.states import (
    PENDING_STATES,
    REVIEW_ACTIONS,
    Action,
    Audience,
    Role,
    State,
    transition_for,
)
from reviewapp.text import markdown
from reviewapp.text.diffing import TextDiff, ThreeWayRow, compare, three_way
from reviewapp.text.readability import Readability, readability

BUTTON_LABELS = {
    Action.START_REVIEW: "Start review",
    Action.REQUEST_CHANGES: "Request changes",
    Action.REJECT: "Reject",
    Action.APPROVE: "Approve",
    Action.OPEN_RE_REVIEW: "Open re-review",
    Action.SEND_FOR_REVISION: "Send for revision",
}
DIFF_MODES = ("inline", "side")


@dataclass(frozen=True)
class CitedReference:
    number: int
    key: str
    reference: Reference | None  # None: the key is not in the article's reference list


# Below this many words a readability formula says little about the text.
RELIABLE_WORDS = 100


@dataclass(frozen=True)
class ReadabilityView:
    result: Readability
    words: int

    @property
    def reliable(self) -> bool:
        return self.words >= RELIABLE_WORDS


@dataclass
class Preview:
    heading: str
    html: Markup
    references: list[CitedReference]
    readability: ReadabilityView | None
    changes: "Diff | None" = None  # what the typed text changes in the version it starts from

    @property
    def unknown_keys(self) -> list[str]:
        return [cited.key for cited in self.references if cited.reference is None]

    @property
    def incomplete(self) -> list[CitedReference]:
        return [c for c in self.references if c.reference and c.reference.is_incomplete]


@dataclass(frozen=True)
class Diff:
    """An older version (or nothing) compared with a newer text: templates/_diff.html shows
    `text`, line by line and word by word within changed lines."""

    title: str
    old: Version | None
    text: TextDiff

    @property
    def identical(self) -> bool:
        return self.text.identical

    @property
    def heading_changed(self) -> bool:
        return self.text.heading_changed

    @property
    def counts(self) -> dict[str, int]:
        return self.text.words


@dataclass(frozen=True)
class ThreeColumns:
    """What a stale submission is compared with: the version it started from, the version
    submitted since, and the typed text, side by side."""

    base: Version | None
    theirs: Version
    heading_rows: list[ThreeWayRow]
    rows: list[ThreeWayRow]


@dataclass(frozen=True)
class ActionButton:
    action: Action
    label: str
    target: State
    comment_required: bool


@dataclass
class CommentView:
    comment: Comment
    can_resolve: bool


@dataclass
class Feedback:
    """What the reviewers asked of the version a contributor builds on."""

    steps: list[VersionTransition] = field(default_factory=list)
    open_comments: list[Comment] = field(default_factory=list)


def intent() -> str:
    """Return which button sent the edit form: "submit", or "preview" by default."""
    return "submit" if request.form.get("intent") == "submit" else "preview"


def diff(title: str, old: Version | None, heading: str, body: str) -> Diff:
    """Compare an older version (or nothing) with a heading and body."""
    return Diff(
        title=title,
        old=old,
        text=compare(old.heading if old else "", old.body if old else "", heading, body),
    )


def cited_references(
    article: Article, body: str, numbering: markdown.CitationNumbering
) -> list[CitedReference]:
    """List the references a text cites in page order, None where a key is unknown."""
    by_key = {reference.key: reference for reference in article.references}
    rendered = markdown.render(body)
    return [
        CitedReference(numbering.number(key), key, by_key.get(key)) for key in rendered.cited_keys
    ]


def _readability(article: Article, audience: Audience, html: str) -> ReadabilityView | None:
    if audience is not Audience.PATIENT:
        return None
    text = markdown.plain_text(html)
    result = readability(text, article.language)
    return ReadabilityView(result, len(text.split())) if result else None


def make_preview(section: Section, audience: Audience, form: EditForm) -> Preview:
    """Render the typed wording as the page would show it; nothing is stored."""
    article = section.article
    body = form.body.data or ""
    rendered = markdown.render(body)
    numbering = markdown.CitationNumbering()
    html = numbering.apply(rendered.html)
    heading = (form.heading.data or "").strip()
    return Preview(
        heading=heading,
        html=html,
        references=cited_references(article, body, numbering),
        readability=_readability(article, audience, rendered.html),
        changes=_typed_changes(section, audience, form, heading, body),
    )


def _typed_changes(
    section: Section, audience: Audience, form: EditForm, heading: str, body: str
) -> "Diff | None":
    """Compare the typed text with the version it starts from (else the newest one)."""
    start_id = form.version_id(form.base_version.data)
    start = db.session.get(Version, start_id) if start_id is not None else None
    if start is None or start.section_id != section.id or start.audience != audience.value:
        start = latest_version(section, audience)
    if start is None:
        return None
    return diff(f"What your text changes in version {start.number}", start, heading, body)


def prefilled(form: EditForm, section: Section, audience: Audience) -> EditForm:
    """Fill a fresh edit form from the newest version of the chain."""
    latest = latest_version(section, audience)
    if latest is not None:
        form.heading.data = latest.heading
        form.body.data = latest.body
        form.base_version.data = str(latest.id)
    else:
        form.base_version.data = ""
        if audience is Audience.PATIENT:
            clinician = _clinician_wording(section)
            form.heading.data = clinician.heading if clinician else ""
    return form


def _clinician_wording(section: Section) -> Version | None:
    if section.published_clinician_id is not None:
        return db.session.get(Version, section.published_clinician_id)
    return latest_version(section, Audience.CLINICIAN)


def _feedback(version: Version | None) -> Feedback:
    if version is None or version.workflow_state is not State.CHANGES_REQUESTED:
        return Feedback()
    steps = db.session.scalars(
        select(VersionTransition)
        .where(VersionTransition.version_id == version.id, VersionTransition.comment != "")
        .order_by(VersionTransition.created_at, VersionTransition.id)
        .options(joinedload(VersionTransition.actor))
    ).all()
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.version_id == version.id, Comment.resolved_at.is_(None))
        .order_by(Comment.created_at, Comment.id)
        .options(joinedload(Comment.author))
    ).all()
    return Feedback(list(steps), list(comments))


def edit_page(
    section: Section,
    audience: Audience,
    form: EditForm,
    *,
    preview: bool = False,
    error: DomainError | None = None,
    status: int = 200,
):
    """Render the edit form with the typed text, a preview, and what changed in between."""
    article = section.article
    latest = latest_version(section, audience)
    base_id = form.version_id(form.base_version.data)
    base = db.session.get(Version, base_id) if base_id is not None else None
    if base is not None and (base.section_id != section.id or base.audience != audience.value):
        base = None  # a version of another chain says nothing about this one
    in_between = None
    if latest is not None and latest.id != base_id:
        in_between = diff(
            f"What changed between version {base.number} and version {latest.number}"
            if base
            else f"Version {latest.number}, submitted since you started",
            base,
            latest.heading,
            latest.body,
        )
        # A box ticked for an older "in between" version does not carry over to a newer one.
        if form.seen_version.data != str(latest.id):
            form.build_on_seen.data = False
        form.seen_version.data = str(latest.id)
    else:
        form.seen_version.data = ""
        form.build_on_seen.data = False
    typed = form.heading.data or "", form.body.data or ""
    yours = (
        diff(f"Your text compared with version {latest.number}", latest, *typed)
        if in_between is not None
        else None
    )
    columns = (
        ThreeColumns(
            base,
            latest,
            three_way(base.heading if base else "", latest.heading, typed[0]),
            three_way(base.body if base else "", latest.body, typed[1]),
        )
        if in_between is not None
        else None
    )
    published_id = section.published_id(audience)
    clinician = _clinician_wording(section) if audience is Audience.PATIENT else None
    return (
        render_template(
            "editor/edit.html",
            article=article,
            section=section,
            audience=audience,
            form=form,
            base=base,
            latest=latest,
            in_between=in_between,
            yours=yours,
            columns=columns,
            stale_error=isinstance(error, StaleVersion),
            error=error,
            supersedes=latest
            if latest is not None and latest.workflow_state in PENDING_STATES
            else None,
            published=db.session.get(Version, published_id) if published_id else None,
            clinician=clinician,
            clinician_html=markdown.CitationNumbering().apply(clinician.body_html)
            if clinician
            else None,
            feedback=_feedback(latest if in_between is None else None),
            preview=make_preview(section, audience, form) if typed[1].strip() else None,
            previewed=preview,
            references=article.references,
            wide=True,
        ),
        status,
    )


def _buttons(version: Version) -> list[ActionButton]:
    buttons = []
    for action in allowed_actions(current_user, version, among=REVIEW_ACTIONS):
        transition = transition_for(version.workflow_state, action)
        buttons.append(
            ActionButton(
                action, BUTTON_LABELS[action], transition.target, transition.reason_required
            )
        )
    return buttons


def version_diffs(version: Version, published: Version | None) -> list[Diff]:
    """Compare a version with the published one and with its parent (once if they are one)."""
    parent = version.parent
    diffs = []
    if published is not None and published.id != version.id:
        title = f"Against the published version {published.number}"
        if parent is not None and parent.id == published.id:
            title += " (also its parent)"
        diffs.append(diff(title, published, version.heading, version.body))
    if parent is not None and (published is None or parent.id != published.id):
        diffs.append(
            diff(
                f"Against its parent, version {parent.number}",
                parent,
                version.heading,
                version.body,
            )
        )
    return diffs


def diff_mode() -> str:
    """Return how the page lays out its diffs: "inline" unless "side" was asked for."""
    mode = request.args.get("diff", "inline")
    return mode if mode in DIFF_MODES else "inline"


def review_context(
    version: Version,
    *,
    action_form: ActionForm | None = None,
    comment_form: CommentForm | None = None,
    interest_form: InterestStatementForm | None = None,
) -> dict:
    """Gather what the review screen of any kind of version shows about its review."""
    steps = db.session.scalars(
        select(VersionTransition)
        .where(VersionTransition.version_id == version.id)
        .order_by(VersionTransition.created_at, VersionTransition.id)
        .options(joinedload(VersionTransition.actor))
    ).all()
    reviewer = next(
        (step.actor for step in reversed(steps) if step.action == Action.START_REVIEW.value), None
    )
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.version_id == version.id)
        .order_by(Comment.created_at, Comment.id)
        .options(joinedload(Comment.author), joinedload(Comment.resolved_by))
    ).all()
    buttons = _buttons(version)
    open_comments = unresolved_comments(version)
    is_author = version.author_id is not None and version.author_id == current_user.id
    may_comment = can_comment(current_user, version)
    # One box for every button of the screen: the form that was sent, with what it held.
    review_form = next((f for f in (action_form, comment_form) if f is not None), None)
    review_form = review_form or ReviewForm()
    if is_author:
        review_form.comment.label.text = "Your answer to the reviewers"
    return {
        "version": version,
        "parent": version.parent,
        "mode": diff_mode(),
        "steps": steps,
        "reviewer": reviewer,
        "comments": [CommentView(c, can_resolve(current_user, c)) for c in comments],
        "open_comments": open_comments,
        "buttons": buttons,
        "comment_actions": [b.label.lower() for b in buttons if b.comment_required],
        "approve_blocked": bool(open_comments) and any(b.action is Action.APPROVE for b in buttons),
        "can_comment": may_comment,
        "is_editor": current_user.has_role(Role.EDITOR),
        "is_author": is_author,
        "review_form": review_form,
        # Text sent with a button that is no longer offered still comes back, to be copied.
        "has_review_form": bool(buttons or may_comment or review_form.comment.data)
        or bool(review_form.errors),
        "confirm": ConfirmForm(),
        "assignment": assignment.panel(version),
        "re_review": re_review_view(version),
        # Approving needs a current declaration of interests, and a recusal or justification
        # where it names the article's specialty: the engine's reason, said before trying.
        "approve_refusal": declarations.why_not_declared(current_user, version, Action.APPROVE)
        if current_user.has_role(Role.EDITOR)
        and transition_for(version.workflow_state, Action.APPROVE) is not None
        else None,
        "interest": declarations.interest_for(current_user, version, Action.APPROVE),
        "interest_form": interest_form or InterestStatementForm(formdata=None),
        "interest_url": url_for("editor.interest", version_id=version.id),
        "interest_step": "approve",
        "wide": True,
    }


def review_page(
    version: Version,
    *,
    action_form: ActionForm | None = None,
    comment_form: CommentForm | None = None,
    interest_form: InterestStatementForm | None = None,
    status: int = 200,
):
    """Render the review screen of one wording version."""
    section = version.section
    article = section.article
    audience = version.audience_enum
    published_id = section.published_id(audience)
    published = db.session.get(Version, published_id) if published_id else None
    diffs = version_diffs(version, published)

    numbering = markdown.CitationNumbering()
    html = numbering.apply(version.body_html)
    references = cited_references(article, version.body, numbering)

    stale = staleness([version]).get(version.id)
    source = (
        db.session.get(Version, version.source_clinician_id)
        if version.source_clinician_id
        else None
    )
    clinician_change = None
    if stale is not None:
        moved_to = _clinician_wording(section)
        if moved_to is not None and source is not None and moved_to.id == source.id:
            moved_to = latest_version(section, Audience.CLINICIAN)
        if moved_to is not None and (source is None or moved_to.id != source.id):
            clinician_change = diff(
                f"Clinician wording since this was written: version "
                f"{source.number if source else '(none)'} → version {moved_to.number} "
                f"({moved_to.workflow_state.label})",
                source,
                moved_to.heading,
                moved_to.body,
            )

    context = review_context(
        version, action_form=action_form, comment_form=comment_form, interest_form=interest_form
    )
    return (
        render_template(
            "editor/version.html",
            section=section,
            article=article,
            audience=audience,
            html=html,
            published=published,
            newest=latest_version(section, audience),
            diffs=diffs,
            references=references,
            readability=_readability(article, audience, version.body_html),
            stale=stale,
            source=source,
            clinician_change=clinician_change,
            can_edit=can_submit(current_user),
            **context,
        ),
        status,
    )
