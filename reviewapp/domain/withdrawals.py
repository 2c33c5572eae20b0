"""Withdrawal of published wording, retraction of an article, and the board's countersignature.

An editor takes published wording down at once, with a public reason the page shows where
the wording was. Every version taken down moves to Withdrawn through the workflow engine,
all in one transaction, the locks taken in the one order (domain/locks.py): the audit chain,
the article, its sections by id, then each version. The editor may ask for the previous
approved version to be shown again instead (a system move, Reinstate). Nothing brings a
withdrawn version back: its wording returns only as a new submission, reviewed and signed
like any other. A board member other than the one who withdrew countersigns within
WITHDRAWAL_COUNTERSIGN_DAYS; past that, every board member is told (`flask notify due`).
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from reviewapp.domain import audit, declarations, engine, signoffs
from reviewapp.domain.engine import Recorded
from reviewapp.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    on_version,
    require_fits,
)
from reviewapp.domain.locks import lock_chain, lock_row, lock_section
from reviewapp.extensions import db
from reviewapp.models import Article, Section, User, Version, Withdrawal, WithdrawnVersion
from reviewapp.rules import limits
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Role, State
from reviewapp.rules.withdrawals import (
    COUNTERSIGN_MEANINGS,
    DEFAULT_COUNTERSIGN_DAYS,
    Scope,
    WithdrawalKind,
)

WITHDRAW = "withdrawal.create"
RETRACT = "article.retract"
COUNTERSIGN = "withdrawal.countersign"
OVERDUE = "withdrawal.countersign_overdue"
EDITORS_ONLY = "Only a medical editor can {what}."


def retraction_of(article: Article) -> Withdrawal | None:
    """Return the article's retraction, or None while it is not retracted."""
    return db.session.scalar(
        select(Withdrawal).where(
            Withdrawal.article_id == article.id,
            Withdrawal.kind == WithdrawalKind.RETRACTION.value,
        )
    )


def previous_approved(version: Version) -> Version | None:
    """Return the newest approved version of the chain older than `version`, if any."""
    return db.session.scalar(
        select(Version)
        .where(
            Version.chain == version.chain,
            Version.state == State.APPROVED.value,
            Version.number < version.number,
        )
        .order_by(Version.number.desc())
        .limit(1)
    )


def is_published(version: Version) -> bool:
    """Return whether `version` is the wording readers see of its section and audience."""
    return (
        version.is_wording
        and version.workflow_state is State.APPROVED
        and version.section.published_id(version.audience_enum) == version.id
    )


def can_withdraw(actor: User | None, version: Version) -> bool:
    """Return whether the withdrawal form is for `actor` on `version` now."""
    return (
        actor is not None
        and actor.is_authenticated
        and actor.is_active
        and actor.has_role(Role.EDITOR)
        and is_published(version)
        and retraction_of(version.article) is None
    )


def _public_reason(reason: str, context: dict) -> str:
    reason = (reason or "").strip()
    require_fits("reason", reason, limits.WITHDRAWAL_REASON, **context)
    if not reason:
        raise ValidationError(
            "Say why: readers are shown the reason where the wording was.",
            field="reason",
            **context,
        )
    return reason


def _countersign_due(now: datetime) -> datetime:
    days = current_app.config.get("WITHDRAWAL_COUNTERSIGN_DAYS", DEFAULT_COUNTERSIGN_DAYS)
    return now + timedelta(days=days)


def _require_editor(actor: User, what: str, context: dict) -> None:
    if not actor.is_active or not actor.has_role(Role.EDITOR):
        raise PermissionDenied(EDITORS_ONLY.format(what=what), **context)


def _lock_sections(sections: list[Section]) -> None:
    """Take the sections' row locks in id order, then read their pointers as now committed."""
    for section in sorted(sections, key=lambda section: section.id):
        lock_section(section)
        db.session.refresh(section)


def _published_versions(sections: list[Section]) -> list[Version]:
    """Return the wording the sections publish now, for both audiences, in id order."""
    ids = [
        version_id
        for section in sections
        for version_id in (section.published_clinician_id, section.published_patient_id)
        if version_id is not None
    ]
    if not ids:
        return []
    return list(db.session.scalars(select(Version).where(Version.id.in_(ids)).order_by(Version.id)))


def _take_down(
    actor: User,
    withdrawal: Withdrawal,
    versions: list[Version],
    reinstated: dict[int, Version],
    now: datetime,
) -> None:
    """Move each version to Withdrawn through the engine, then the older version it puts
    back, if any (`reinstated`, by the withdrawn version's id)."""
    for version in versions:
        previous = reinstated.get(version.id)

        def record(locked: Version, previous: Version | None = previous) -> Recorded:
            row = WithdrawnVersion(
                version_id=locked.id,
                withdrawal_id=withdrawal.id,
                section_id=locked.section_id,
                audience=locked.audience,
                number=locked.number,
                reinstated_version_id=previous.id if previous is not None else None,
            )
            db.session.add(row)
            return Recorded(
                details={
                    "withdrawal_id": withdrawal.id,
                    "scope": withdrawal.scope,
                    "reinstated_version_id": row.reinstated_version_id,
                }
            )

        engine.transition(actor, version, Action.WITHDRAW, withdrawal.reason, prepare=record)
        if previous is not None:
            engine.reinstate(actor, previous, version, now)
    db.session.flush()


def _describe(withdrawal: Withdrawal, versions: list[Version]) -> str:
    """Say what a withdrawal took down, as the board's notification and trail read it."""
    title = f"“{withdrawal.article.title}”"
    if withdrawal.is_retraction:
        return f"retracted the article {title}"
    if withdrawal.scope == Scope.ARTICLE.value:
        return f"withdrew all published wording of {title}"
    parts = ", ".join(
        f"“{version.heading or 'Summary'}” ({version.audience} wording, version {version.number})"
        for version in versions
    )
    return f"withdrew {parts} of {title}"


def _record(
    actor: User,
    action: str,
    withdrawal: Withdrawal,
    versions: list[Version],
    reinstated: dict[int, Version],
) -> None:
    """Record the act, before the moves it makes: each version's own event follows it."""
    audit.record(
        actor,
        action,
        target=("withdrawal", withdrawal.id),
        article_id=withdrawal.article_id,
        after={
            "kind": withdrawal.kind,
            "scope": withdrawal.scope,
            "reason": withdrawal.reason,
            "what": _describe(withdrawal, versions),
            "withdrawn_versions": [version.id for version in versions],
            "reinstated": [previous.id for previous in reinstated.values()],
            "countersign_due_at": withdrawal.countersign_due_at.isoformat(),
        },
        at=withdrawal.withdrawn_at,
    )


def withdraw(
    actor: User,
    version: Version,
    *,
    reason: str,
    scope: Scope = Scope.AUDIENCE,
    reinstate: bool = False,
) -> Withdrawal:
    """Take published wording down now, with a public reason: the version's own audience, the
    section's both audiences, or every section of the article."""
    context = on_version(WITHDRAW, version)
    _require_editor(actor, "withdraw published wording", context)
    reason = _public_reason(reason, context)
    if not version.is_wording:
        raise TransitionNotAllowed(
            "Only section wording is withdrawn; change any other part with a new proposal.",
            **context,
        )
    article = version.article
    lock_chain()
    lock_row(article)
    if retraction_of(article) is not None:
        raise TransitionNotAllowed(
            "The article is retracted: nothing of it is shown to withdraw.", **context
        )
    section = version.section
    sections = (
        list(db.session.scalars(select(Section).where(Section.article_id == article.id)))
        if scope is Scope.ARTICLE
        else [section]
    )
    _lock_sections(sections)
    db.session.refresh(version)
    if not is_published(version):
        shown = section.published_id(version.audience_enum)
        now_shown = f"version {db.session.get(Version, shown).number}" if shown else "nothing"
        raise TransitionNotAllowed(
            f"Version {version.number} is not the wording readers see ({now_shown} is): only "
            "published wording can be withdrawn.",
            **context,
        )
    versions = [version]
    if scope is not Scope.AUDIENCE:
        shown = [s for s in sections if s.in_outline] if scope is Scope.ARTICLE else sections
        versions += [other for other in _published_versions(shown) if other.id != version.id]
        versions.sort(key=lambda each: each.id)
    reinstated = {
        each.id: previous
        for each in (versions if reinstate else [])
        if (previous := previous_approved(each)) is not None
    }
    if reinstate and not reinstated:
        raise TransitionNotAllowed(
            "There is no earlier approved version to reinstate: withdraw without reinstating, "
            "and the page shows the reason in the wording's place.",
            field="reinstate",
            **context,
        )
    now = utcnow()
    withdrawal = Withdrawal(
        article_id=article.id,
        kind=WithdrawalKind.WITHDRAWAL.value,
        scope=scope.value,
        section_id=None if scope is Scope.ARTICLE else section.id,
        reason=reason,
        reinstate=reinstate,
        withdrawn_by_id=actor.id,
        printed_name=actor.printed_name,
        role=Role.EDITOR.label,
        withdrawn_at=now,
        countersign_due_at=_countersign_due(now),
    )
    db.session.add(withdrawal)
    db.session.flush()
    _record(actor, WITHDRAW, withdrawal, versions, reinstated)
    _take_down(actor, withdrawal, versions, reinstated, now)
    return withdrawal


def retract(actor: User, article: Article, *, reason: str) -> Withdrawal:
    """Retract the article: its pages then show the notice alone, every published wording of
    it is withdrawn, and its records stay."""
    context = {"action": RETRACT, "target": ("article", article.id), "article_id": article.id}
    _require_editor(actor, "retract an article", context)
    reason = _public_reason(reason, context)
    lock_chain()
    lock_row(article)
    if (retracted := retraction_of(article)) is not None:
        raise TransitionNotAllowed(
            f"The article was retracted on {retracted.withdrawn_at:%Y-%m-%d} already.", **context
        )
    sections = list(db.session.scalars(select(Section).where(Section.article_id == article.id)))
    _lock_sections(sections)
    now = utcnow()
    withdrawal = Withdrawal(
        article_id=article.id,
        kind=WithdrawalKind.RETRACTION.value,
        scope=Scope.ARTICLE.value,
        reason=reason,
        reinstate=False,
        withdrawn_by_id=actor.id,
        printed_name=actor.printed_name,
        role=Role.EDITOR.label,
        withdrawn_at=now,
        countersign_due_at=_countersign_due(now),
    )
    db.session.add(withdrawal)
    db.session.flush()
    versions = _published_versions(sections)
    _record(actor, RETRACT, withdrawal, versions, {})
    _take_down(actor, withdrawal, versions, {}, now)
    # The notice replaces the page even where no wording was published (pending wording
    # shown with a caution): the page changes whatever the versions did.
    article.mark_public_change(now)
    return withdrawal


def _never_yours(actor: User | None, withdrawal: Withdrawal) -> str | None:
    """Return why `actor` may never countersign `withdrawal`, whatever its state, or None."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return "Sign in with an active account first."
    if not actor.has_role(Role.BOARD):
        return "Only a Medical Advisory Board member can countersign a withdrawal."
    if withdrawal.withdrawn_by_id == actor.id:
        return (
            "You withdrew this wording yourself: the board's countersignature must come from "
            "another member."
        )
    # A countersignature is a board signature: it asks for the same declaration in force.
    return declarations.why_not_current(actor)


def _already(withdrawal: Withdrawal) -> str:
    return (
        f"{withdrawal.countersigned_name} countersigned it on "
        f"{withdrawal.countersigned_at:%Y-%m-%d} already."
    )


def why_cannot_countersign(actor: User | None, withdrawal: Withdrawal) -> str | None:
    """Return why `actor` may not countersign `withdrawal` now, or None when they may."""
    if (never := _never_yours(actor, withdrawal)) is not None:
        return never
    return _already(withdrawal) if withdrawal.is_countersigned else None


def countersign(actor: User, withdrawal: Withdrawal, *, password: str) -> Withdrawal:
    """Record a board member's countersignature of a withdrawal or retraction, with the
    password entered again."""
    context = {
        "action": COUNTERSIGN,
        "target": ("withdrawal", withdrawal.id),
        "article_id": withdrawal.article_id,
    }
    if (refusal := _never_yours(actor, withdrawal)) is not None:
        raise PermissionDenied(refusal, **context)
    right = signoffs.re_entered_password_is_right(actor, password or "", context)
    lock_chain()
    withdrawal = db.session.scalar(
        select(Withdrawal)
        .where(Withdrawal.id == withdrawal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    signoffs.keep_password_check(actor, right, context)
    if withdrawal.is_countersigned:
        raise TransitionNotAllowed(_already(withdrawal), **context)
    now = utcnow()
    withdrawal.countersigned_by_id = actor.id
    withdrawal.countersigned_name = actor.printed_name
    withdrawal.countersigned_role = Role.BOARD.label
    withdrawal.countersign_meaning = COUNTERSIGN_MEANINGS[withdrawal.kind_enum]
    withdrawal.countersigned_at = now
    if withdrawal.is_retraction:
        # The retraction notice says the board confirmed it.
        withdrawal.article.mark_public_change(now)
    db.session.flush()
    audit.record(
        actor,
        COUNTERSIGN,
        target=("withdrawal", withdrawal.id),
        article_id=withdrawal.article_id,
        before={"countersigned": False},
        after={
            "kind": withdrawal.kind,
            "printed_name": withdrawal.countersigned_name,
            "role": withdrawal.countersigned_role,
            "meaning": withdrawal.countersign_meaning,
            "signed_at": now.isoformat(),
        },
        at=now,
    )
    return withdrawal


def overdue_unflagged(now: datetime) -> list[Withdrawal]:
    """Return the withdrawals past their countersignature deadline not flagged yet."""
    return list(
        db.session.scalars(
            select(Withdrawal)
            .where(
                Withdrawal.countersigned_at.is_(None),
                Withdrawal.countersign_due_at < now,
                Withdrawal.overdue_flagged_at.is_(None),
            )
            .order_by(Withdrawal.countersign_due_at, Withdrawal.id)
        )
    )


def flag_overdue(now: datetime | None = None) -> list[Withdrawal]:
    """Tell every board member, once, of each withdrawal past its countersignature deadline;
    return the withdrawals flagged."""
    now = now or utcnow()
    lock_chain()
    found = overdue_unflagged(now)
    for withdrawal in found:
        withdrawal.overdue_flagged_at = now
        audit.record(
            None,
            OVERDUE,
            target=("withdrawal", withdrawal.id),
            article_id=withdrawal.article_id,
            after={
                "kind": withdrawal.kind,
                "what": _overdue_subject(withdrawal),
                "countersign_due_at": withdrawal.countersign_due_at.isoformat(),
            },
            at=now,
        )
    return found


def _overdue_subject(withdrawal: Withdrawal) -> str:
    what = "the retraction of" if withdrawal.is_retraction else "a withdrawal from"
    return (
        f"{what} “{withdrawal.article.title}” by {withdrawal.printed_name} on "
        f"{withdrawal.withdrawn_at:%Y-%m-%d}: {withdrawal.reason}"
    )


def waiting_count(member: User) -> int:
    """Return how many withdrawals wait for a countersignature `member` may give (one query)."""
    return db.session.scalar(
        select(func.count(Withdrawal.id)).where(
            Withdrawal.countersigned_at.is_(None), Withdrawal.withdrawn_by_id != member.id
        )
    )
