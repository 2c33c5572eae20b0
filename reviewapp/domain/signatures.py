"""Which board signatures count for a version: the one home of a regulatory rule.

A signature counts for a version when it was made on that version's exact content hash, by
someone independent of it, and, when the question is asked of a past moment, by then. The
board's signatures are a second check: whoever wrote the version, took an editor's step on
it, or commented on it during its editorial review cannot sign it, and a signature of theirs
would not count. The board pages, the public page, the API, the history and the quorum check
all ask here.
"""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from reviewapp.domain import review_rounds
from reviewapp.extensions import db
from reviewapp.models import Comment, Signoff, User, Version, VersionTransition
from reviewapp.rules.states import REVIEW_ACTIONS, Action

_EDITORIAL_STEPS = [action.value for action in REVIEW_ACTIONS]


def _review_evidence(person_id, version_id) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Return the two conditions, either of which makes the person a reviewer of the version:
    they took an editor's step on it, or they commented on it during its review."""
    approved_at = (
        select(func.max(VersionTransition.created_at))
        .where(
            VersionTransition.version_id == version_id,
            VersionTransition.action == Action.APPROVE.value,
        )
        # Correlated to the version asked about, also from inside the EXISTS below (which
        # does not name the version table itself): otherwise it is the newest approval of
        # every version.
        .correlate_except(VersionTransition)
        .scalar_subquery()
    )
    took_a_step = exists().where(
        VersionTransition.version_id == version_id,
        VersionTransition.actor_id == person_id,
        VersionTransition.action.in_(_EDITORIAL_STEPS),
    )
    # Comments made before the editor's approval belong to the editorial review; the board's
    # own discussion afterwards does not take a member off the version.
    commented_in_review = exists().where(
        Comment.version_id == version_id,
        Comment.author_id == person_id,
        or_(approved_at.is_(None), Comment.created_at <= approved_at),
    )
    return took_a_step, commented_in_review


def _reviewed_by(person_id, version_id) -> ColumnElement[bool]:
    """Return the condition that the person took an editor's step or commented in review."""
    return or_(*_review_evidence(person_id, version_id))


def independent_of(person_id) -> ColumnElement[bool]:
    """Return the SQL condition, on Version, that the person neither wrote nor reviewed it:
    what `why_not_independent` asks of one version, for lists of many. A version with no
    author (carried over) is nobody's own."""
    # Each piece of evidence negated on its own: PostgreSQL plans each NOT EXISTS as an
    # anti-join, which it cannot do for the NOT of their OR.
    return and_(
        or_(Version.author_id.is_(None), Version.author_id != person_id),
        *(~evidence for evidence in _review_evidence(person_id, Version.id)),
    )


def signed_by(person_id) -> ColumnElement[bool]:
    """Return the SQL condition, on Version, that the person signed its content as it is."""
    return exists().where(
        Signoff.version_id == Version.id,
        Signoff.signer_id == person_id,
        Signoff.content_hash == Version.content_hash,
    )


def reviewed_by(person_id, version_id) -> ColumnElement[bool]:
    """Return the SQL condition that the person took an editor's step or commented in review
    (for pages that count what a member may sign without asking about each version)."""
    return _reviewed_by(person_id, version_id)


def why_not_independent(person: User, version: Version) -> str | None:
    """Return why `person` may not sign `version`, or None when they are independent of it."""
    if version.author_id == person.id:
        return "Nobody reviews, approves or signs a version they authored."
    if db.session.scalar(select(_reviewed_by(person.id, version.id))):
        return (
            "You reviewed this version (an editor's step or a comment during its review): "
            "the board's signature must come from someone independent of it."
        )
    return None


def not_independent_of(person: User, version_ids: list[int]) -> set[int]:
    """Return which of these versions `person` wrote or reviewed, in one query: the ones
    `why_not_independent` would refuse them."""
    if not version_ids:
        return set()
    return set(
        db.session.scalars(
            select(Version.id).where(
                Version.id.in_(version_ids),
                or_(Version.author_id == person.id, _reviewed_by(person.id, Version.id)),
            )
        )
    )


def counting(as_of: datetime | None = None) -> ColumnElement[bool]:
    """Return the condition, on Signoff joined to its Version, that a signature counts."""
    condition = and_(
        Signoff.version_id == Version.id,
        Signoff.content_hash == Version.content_hash,
        or_(Version.author_id.is_(None), Signoff.signer_id != Version.author_id),
        *(~evidence for evidence in _review_evidence(Signoff.signer_id, Version.id)),
    )
    if as_of is not None:
        condition = and_(condition, Signoff.signed_at <= as_of)
    return condition


def counts(signoff: Signoff, version: Version, as_of: datetime | None = None) -> bool:
    """Return whether `signoff`, already loaded, counts for `version` (at `as_of`)."""
    if signoff.version_id != version.id or signoff.content_hash != version.content_hash:
        return False
    if as_of is not None and signoff.signed_at > as_of:
        return False
    return why_not_independent(signoff.signer, version) is None


def quorum_count(
    version: Version, as_of: datetime | None = None, round_number: int | None = None
) -> int:
    """Return how many distinct board members' signatures count for `version` in one signing
    round: `round_number`, or the round it is signed in now (its approval's, unless a
    re-review is open)."""
    if round_number is None:
        round_number = review_rounds.signing_round(version)
    return db.session.scalar(
        select(func.count(func.distinct(Signoff.signer_id)))
        .join(Version, Version.id == Signoff.version_id)
        .where(Signoff.version_id == version.id, Signoff.round == round_number, counting(as_of))
    )


def counting_signoffs(
    version_ids: list[int], as_of: datetime | None = None
) -> dict[int, list[Signoff]]:
    """Return, per version id, the signatures that count, oldest first."""
    found: dict[int, list[Signoff]] = defaultdict(list)
    if not version_ids:
        return found
    query = (
        select(Signoff)
        .join(Version, Version.id == Signoff.version_id)
        .where(Signoff.version_id.in_(version_ids), counting(as_of))
        .order_by(Signoff.signed_at, Signoff.id)
    )
    for signoff in db.session.scalars(query):
        found[signoff.version_id].append(signoff)
    return found
