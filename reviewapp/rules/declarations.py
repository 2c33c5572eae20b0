"""Declarations of interests of medical editors and board members, as data and rules.

Approving (the editor's step that hands a version to the board) and signing need a
declaration less than `VALID_MONTHS` old. A declared interest in one of an article's
specialties refuses both on its wording until the person records, for that version, a
recusal (they then take no part in it) or a justification (why the interest does not bear
on it). Pure: no Flask, no database.
"""

import calendar
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from reviewapp.rules.states import Action, Kind, Role


class InterestKind(StrEnum):
    NONE = "none"
    FINANCIAL = "financial"
    NON_FINANCIAL = "non-financial"

    @property
    def label(self) -> str:
        return INTEREST_LABELS[self]

    @property
    def is_interest(self) -> bool:
        return self is not InterestKind.NONE


INTEREST_LABELS = MappingProxyType(
    {
        InterestKind.NONE: "no interests",
        InterestKind.FINANCIAL: "a financial interest",
        InterestKind.NON_FINANCIAL: "a non-financial interest",
    }
)


class StatementKind(StrEnum):
    """What a person with a declared interest records for one version."""

    RECUSAL = "recusal"
    JUSTIFICATION = "justification"

    @property
    def label(self) -> str:
        return "Recusal" if self is StatementKind.RECUSAL else "Justification"


# Who keeps a declaration: the roles whose steps it conditions.
DECLARING_ROLES = frozenset({Role.EDITOR, Role.BOARD})
# The steps a declaration conditions.
DECLARED_ACTIONS = frozenset({Action.APPROVE, Action.SIGN})
# What an article's specialty concerns: its medical advice. Site texts, references, settings,
# outline and front matter are checked for a current declaration only.
SPECIALTY_KINDS = frozenset({Kind.WORDING})

VALID_MONTHS = 12
# Staff pages remind a person whose declaration is this old.
REMIND_AFTER_MONTHS = 11
DECLARATION_TEXT = 5_000
STATEMENT_TEXT = 2_000
# Where a person declares; messages name it so that any refusal says where to go.
DECLARATION_PAGE = "/account/declaration"


def add_months(moment: datetime, months: int) -> datetime:
    """Return the same moment `months` later, clamped to the end of a shorter month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def valid_until(declared_at: datetime) -> datetime:
    """Return when a declaration stops allowing approvals and signatures."""
    return add_months(declared_at, VALID_MONTHS)


def remind_from(declared_at: datetime) -> datetime:
    """Return when staff pages start asking for a new declaration."""
    return add_months(declared_at, REMIND_AFTER_MONTHS)


class Standing(StrEnum):
    """Where a person's declaration stands at a moment."""

    MISSING = "missing"
    CURRENT = "current"
    DUE = "due"  # still valid, but older than REMIND_AFTER_MONTHS
    EXPIRED = "expired"


def standing(declared_at: datetime | None, now: datetime) -> Standing:
    """Return where a declaration made at `declared_at` stands at `now`."""
    if declared_at is None:
        return Standing.MISSING
    if now >= valid_until(declared_at):
        return Standing.EXPIRED
    if now >= remind_from(declared_at):
        return Standing.DUE
    return Standing.CURRENT


def _step(action: Action | None) -> str:
    return "approve or sign" if action is None else action.label


def missing_message(action: Action | None = None) -> str:
    return (
        "You have no declaration of interests on record: medical editors and board members "
        f"declare their interests before they {_step(action)}. "
        f"Declare them at {DECLARATION_PAGE}."
    )


def expired_message(declared_at: datetime, action: Action | None = None) -> str:
    return (
        f"Your declaration of interests of {declared_at:%Y-%m-%d} is more than {VALID_MONTHS} "
        f"months old: declare your interests again at {DECLARATION_PAGE} before you "
        f"{_step(action)}."
    )


def recused_message(number: int, recorded_at: datetime) -> str:
    return (
        f"You recused yourself from version {number} on {recorded_at:%Y-%m-%d}: "
        "you cannot approve or sign it."
    )


def conflict_message(
    kind: InterestKind, specialties: str, number: int, action: Action, where: str
) -> str:
    return (
        f"You declared {kind.label} in {specialties}, a specialty of this article: record a "
        f"recusal or a justification for version {number} ({where}) before you "
        f"{action.label} it."
    )


def declaration_problems(
    kind: str, text: str, specialties: list[str], known: tuple[str, ...]
) -> list[tuple[str, str]]:
    """Return (field, message) for every value a new declaration may not hold."""
    found: list[tuple[str, str]] = []
    if kind not in {choice.value for choice in InterestKind}:
        choices = ", ".join(choice.value for choice in InterestKind)
        return [("kind", f"Choose what you declare: {choices}.")]
    if len(text) > DECLARATION_TEXT:
        found.append(("text", f"The description is longer than {DECLARATION_TEXT:,} characters."))
    unknown = [code for code in specialties if code not in known]
    if unknown:
        found.append(
            ("specialties", f"Not in the site's list of specialties: {', '.join(unknown)}.")
        )
    if InterestKind(kind).is_interest:
        if not text.strip():
            found.append(("text", "Describe the interest: with whom, what it is, and since when."))
        if not specialties:
            found.append(("specialties", "Name the specialties the interest concerns."))
    elif specialties:
        found.append(
            (
                "specialties",
                "A declaration of no interests names no specialty: choose financial or "
                "non-financial to declare an interest.",
            )
        )
    return found
