"""Declarations of interests: declaring, recusal and justification, and the rule they feed.

`why_not_declared` is the rule's one home: the workflow engine asks it, for every approval
and signature, from the one place it decides who may take a step (engine._refusal), so the
buttons a page offers, the reasons it shows, the refusal of the step itself and the API all
answer alike.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from reviewapp.domain import audit
from reviewapp.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    on_version,
)
from reviewapp.domain.locks import lock_version
from reviewapp.extensions import db
from reviewapp.models import (
    Declaration,
    InterestStatement,
    Signoff,
    User,
    Version,
    VersionTransition,
)
from reviewapp.rules import declarations as rules
from reviewapp.rules import specialties
from reviewapp.rules.clock import utcnow
from reviewapp.rules.declarations import Standing, StatementKind
from reviewapp.rules.states import Action, transition_for

DECLARE = "declaration.declare"
RECUSE = "declaration.recuse"
JUSTIFY = "declaration.justify"
STATEMENT_EVENTS = {StatementKind.RECUSAL: RECUSE, StatementKind.JUSTIFICATION: JUSTIFY}
NOT_DECLARING = (
    "Declarations of interests are kept by medical editors and board members, whose "
    "approvals and signatures they condition."
)


def keeps_declaration(person: User | None) -> bool:
    """Return whether `person` holds a role whose steps need a current declaration."""
    return person is not None and any(person.has_role(role) for role in rules.DECLARING_ROLES)


def current_declaration(person: User) -> Declaration | None:
    """Return the person's newest declaration, whatever its age."""
    return person.declarations[0] if person.declarations else None


def history(person: User) -> list[Declaration]:
    """Return every declaration the person made, newest first."""
    return list(person.declarations)


@dataclass(frozen=True)
class PersonStanding:
    """Where a person's declaration stands now, for their pages and the API."""

    declaration: Declaration | None
    standing: Standing
    required: bool  # their roles need one

    @property
    def valid_until(self) -> datetime | None:
        return rules.valid_until(self.declaration.declared_at) if self.declaration else None

    @property
    def remind(self) -> bool:
        """Whether staff pages should ask this person to declare (again)."""
        return self.required and self.standing is not Standing.CURRENT


def standing_of(person: User, now: datetime | None = None) -> PersonStanding:
    """Return where `person`'s declaration stands at `now`."""
    current = current_declaration(person)
    return PersonStanding(
        current,
        rules.standing(current.declared_at if current else None, now or utcnow()),
        keeps_declaration(person),
    )


def declare(
    actor: User | None,
    person: User,
    *,
    kind: str,
    text: str = "",
    specialty_codes: list[str] | tuple[str, ...] = (),
    at: datetime | None = None,
) -> Declaration:
    """Record a new declaration for `person`, superseding theirs; `actor` None is the command
    line (an operator entering a declaration the person made)."""
    context = {"action": DECLARE, "target": ("user", person.id)}
    if actor is not None and actor.id != person.id:
        raise PermissionDenied("Each person makes their own declaration of interests.", **context)
    if not keeps_declaration(person):
        raise PermissionDenied(NOT_DECLARING, **context)
    text = (text or "").strip()
    codes = list(dict.fromkeys(code.strip() for code in specialty_codes if code.strip()))
    problems = rules.declaration_problems(kind, text, codes, specialties.CODES)
    if problems:
        field, message = problems[0]
        raise ValidationError(message, field=field, **context)
    previous = current_declaration(person)
    declaration = Declaration(
        user_id=person.id,
        kind=kind,
        text=text,
        specialties=json.dumps(codes),
        declared_at=at or utcnow(),
    )
    db.session.add(declaration)
    db.session.flush()
    # The person's list is read newest first: it must show this one from now on.
    db.session.expire(person, ["declarations"])
    audit.record(
        actor,
        DECLARE,
        target=("declaration", declaration.id),
        after={
            "user_id": person.id,
            "kind": kind,
            "text": text,
            "specialties": codes,
            "declared_at": declaration.declared_at.isoformat(),
            "supersedes": previous.id if previous else None,
        },
    )
    return declaration


def article_specialties(version: Version) -> frozenset[str]:
    """Return the specialties a version's subject belongs to: its article's, for wording."""
    if version.kind_enum not in rules.SPECIALTY_KINDS or version.article is None:
        return frozenset()
    return specialties.codes_in(version.article.specialty)


def conflicts(person: User, version: Version, declaration: Declaration | None = None) -> list[str]:
    """Return the specialties of the version's article in which `person` declared an interest."""
    declaration = declaration or current_declaration(person)
    if declaration is None or not declaration.kind_enum.is_interest:
        return []
    concerned = article_specialties(version)
    return [code for code in declaration.specialty_codes if code in concerned]


def statement_of(person: User, version: Version) -> InterestStatement | None:
    """Return what `person` recorded for `version`: a recusal, a justification, or None."""
    return db.session.scalar(
        select(InterestStatement).where(
            InterestStatement.version_id == version.id, InterestStatement.user_id == person.id
        )
    )


def statements_on(version_ids: list[int]) -> dict[int, list[InterestStatement]]:
    """Return, per version id, every recusal and justification recorded for it, oldest first."""
    found: dict[int, list[InterestStatement]] = {version_id: [] for version_id in version_ids}
    if not version_ids:
        return found
    for statement in db.session.scalars(
        select(InterestStatement)
        .where(InterestStatement.version_id.in_(version_ids))
        .order_by(InterestStatement.recorded_at, InterestStatement.id)
    ):
        found[statement.version_id].append(statement)
    return found


def _step_taken(person: User, version: Version) -> str | None:
    """Return "signed" or "approved" when `person` took that step on `version`, else None."""
    if db.session.scalar(
        select(Signoff.id).where(Signoff.version_id == version.id, Signoff.signer_id == person.id)
    ):
        return "signed"
    approved = select(VersionTransition.id).where(
        VersionTransition.version_id == version.id,
        VersionTransition.actor_id == person.id,
        VersionTransition.action == Action.APPROVE.value,
    )
    return "approved" if db.session.scalar(approved) else None


def _where(version: Version, action: Action) -> str:
    if action is Action.SIGN:
        return f"on its sign-off page, /board/versions/{version.id}"
    return f"on its review page, /review/versions/{version.id}"


def why_not_current(person: User, action: Action | None = None) -> str | None:
    """Return why `person` has no declaration of interests in force (none, or one 12 months
    old or more), or None when they have one."""
    current = current_declaration(person)
    if current is None:
        return rules.missing_message(action)
    if rules.standing(current.declared_at, utcnow()) is Standing.EXPIRED:
        return rules.expired_message(current.declared_at, action)
    return None


def why_not_declared(person: User, version: Version, action: Action) -> str | None:
    """Return why `person`'s declaration of interests refuses them `action` on `version`, or
    None: no declaration less than 12 months old, a recusal, or a declared interest in the
    article's specialty with neither recusal nor justification recorded."""
    if action not in rules.DECLARED_ACTIONS:
        return None
    if (stale := why_not_current(person, action)) is not None:
        return stale
    current = current_declaration(person)
    statement = statement_of(person, version)
    if statement is not None and statement.is_recusal:
        return rules.recused_message(version.number, statement.recorded_at)
    conflict = conflicts(person, version, current)
    if conflict and statement is None:
        return rules.conflict_message(
            current.kind_enum,
            specialties.labels(conflict),
            version.number,
            action,
            _where(version, action),
        )
    return None


@dataclass(frozen=True)
class Interest:
    """What a page shows a person about their interest and one version."""

    standing: PersonStanding
    conflicts: list[str]
    statement: InterestStatement | None

    @property
    def must_declare(self) -> bool:
        """Whether the person has no declaration in force: nothing else can be recorded."""
        return self.standing.standing in (Standing.MISSING, Standing.EXPIRED)

    @property
    def may_record(self) -> bool:
        """Whether the page offers the recusal and justification form."""
        return bool(self.conflicts) and self.statement is None and not self.must_declare

    @property
    def conflict_labels(self) -> str:
        return specialties.labels(self.conflicts)


def interest_for(person: User | None, version: Version, action: Action) -> Interest | None:
    """Return where `person` stands with `version` for `action` (their declaration, their
    declared interests in its article's specialties, what they recorded for it), or None
    when the step is not theirs now and they recorded nothing: what the pages show."""
    if not keeps_declaration(person):
        return None
    statement = statement_of(person, version)
    row = transition_for(version.workflow_state, action)
    if statement is None and (row is None or not person.has_role(row.who)):
        return None
    return Interest(standing_of(person), conflicts(person, version), statement)


def record_statement(
    actor: User, version: Version, *, kind: str, text: str = ""
) -> InterestStatement:
    """Record `actor`'s recusal from `version`, or their justification for approving or
    signing it despite a declared interest in its article's specialty."""
    try:
        statement_kind = StatementKind(kind)
    except ValueError:
        raise ValidationError(
            "Choose a recusal or a justification.",
            field="kind",
            **on_version(RECUSE, version),
        ) from None
    event = STATEMENT_EVENTS[statement_kind]
    context = on_version(event, version)
    if not keeps_declaration(actor):
        raise PermissionDenied(NOT_DECLARING, **context)
    version = lock_version(version)
    text = (text or "").strip()
    if len(text) > rules.STATEMENT_TEXT:
        raise ValidationError(
            f"The text is longer than {rules.STATEMENT_TEXT:,} characters.", field="text", **context
        )
    current = current_declaration(actor)
    if current is None or rules.standing(current.declared_at, utcnow()) is Standing.EXPIRED:
        message = (
            rules.missing_message()
            if current is None
            else rules.expired_message(current.declared_at)
        )
        raise PermissionDenied(message, **context)
    if (taken := _step_taken(actor, version)) is not None:
        raise TransitionNotAllowed(
            f"You {taken} version {version.number} already: a recusal or a justification "
            "comes before, and cannot change what was done.",
            **context,
        )
    existing = statement_of(actor, version)
    if existing is not None:
        raise TransitionNotAllowed(
            f"You recorded a {existing.kind_enum.label.lower()} for version {version.number} "
            f"on {existing.recorded_at:%Y-%m-%d} already: it stands.",
            **context,
        )
    if statement_kind is StatementKind.JUSTIFICATION:
        if not conflicts(actor, version, current):
            raise TransitionNotAllowed(
                "Your declaration names no interest in this article's specialties: there is "
                "nothing to justify.",
                **context,
            )
        if not text:
            raise ValidationError(
                "Say why your interest does not bear on this version: the justification is "
                "shown with your approval or signature.",
                field="text",
                **context,
            )
    statement = InterestStatement(
        version_id=version.id,
        user_id=actor.id,
        declaration_id=current.id,
        kind=statement_kind.value,
        text=text,
        content_hash=version.content_hash,
        recorded_at=utcnow(),
    )
    db.session.add(statement)
    db.session.flush()
    audit.record(
        actor,
        event,
        target=("interest_statement", statement.id),
        article_id=version.article_id,
        version=version,
        after={
            "kind": statement_kind.value,
            "text": text,
            "declaration_id": current.id,
            "specialties": conflicts(actor, version, current),
            "content_hash": version.content_hash,
        },
    )
    return statement
