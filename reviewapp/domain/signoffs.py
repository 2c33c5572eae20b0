"""Board sign-off: electronic signatures with password re-entry, quorum, and objections."""

import json

from sqlalchemy import select

from reviewapp.domain import audit, engine, lockout, part_chains, review_rounds
from reviewapp.domain.engine import Recorded
from reviewapp.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    on_version,
    require_fits,
)
from reviewapp.extensions import db
from reviewapp.models import Objection, Signoff, User, Version
from reviewapp.rules import limits
from reviewapp.rules.clock import utcnow
from reviewapp.rules.re_reviews import RE_REVIEW_MEANING
from reviewapp.rules.states import Action, Role

MEANINGS = ("Approved for publication", "Reviewed, no objection")
SIGNER_ROLE = Role.BOARD.label
SIGN = "signoff.sign"
OBJECT = "signoff.object"
WRONG_PASSWORD = "Wrong password: the signature was not recorded."  # noqa: S105 - a message


def has_signed(actor: User, version: Version) -> bool:
    """Return whether `actor` has signed this version already, in the round it is signed in
    now (its approval, or the re-review open on it)."""
    return (
        db.session.scalar(
            select(Signoff.id).where(
                Signoff.version_id == version.id,
                Signoff.signer_id == actor.id,
                Signoff.round == review_rounds.signing_round(version),
            )
        )
        is not None
    )


def meanings_for(version: Version) -> tuple[str, ...]:
    """Return what a signature on `version` may mean now: a re-review's, or an approval's."""
    return (RE_REVIEW_MEANING,) if review_rounds.is_open(version) else MEANINGS


def can_sign(actor: User | None, version: Version) -> bool:
    """Return whether the sign-off form is for `actor` on `version` now."""
    return engine.can_take(actor, version, Action.SIGN) and not has_signed(actor, version)


def why_cannot_sign(actor: User | None, version: Version) -> str | None:
    """Return why `actor` may not sign `version` now, or None when they may: the engine's
    refusal, or their own signature already given."""
    if actor is not None and actor.is_authenticated and has_signed(actor, version):
        return f"You have already signed version {version.number}."
    return engine.why_not(actor, version, Action.SIGN)


def can_object(actor: User | None, version: Version) -> bool:
    """Return whether `actor` may object to `version` now."""
    return engine.can_take(actor, version, Action.OBJECT)


class WrongPassword(PermissionDenied):
    """A wrong password at signing. Its check and refusal are recorded by the domain itself."""

    # The handler commits this refusal instead of rolling it back: the failed check must
    # count toward the lockout, and nothing else was written before the password was checked.
    keep_records = True


def _password_is_right(actor: User, password: str, context: dict) -> bool:
    """Hash the re-entered password, outside any lock, unless signing is locked already."""
    lockout.refuse_if_locked(lockout.SIGNING, actor.email, **context)
    require_fits("password", password, limits.PASSWORD, **context)
    return actor.check_password(password)


def _keep_password_check(actor: User, right: bool, context: dict) -> None:
    lockout.record_check(lockout.SIGNING, actor.email, right, **context)
    if not right:
        error = WrongPassword(WRONG_PASSWORD, field="password", **context)
        audit.record_refusal(actor, error)
        raise error


# Other board signatures (a withdrawal's countersignature) check the password as signing
# does: hashed outside any lock, then counted toward the one lockout under it.
re_entered_password_is_right = _password_is_right
keep_password_check = _keep_password_check


def sign_version(actor: User, version: Version, *, password: str, meaning: str) -> Signoff:
    """Record `actor`'s signature on the version's content hash; the engine approves at quorum."""
    context = on_version(SIGN, version)
    right = _password_is_right(actor, password, context)
    signed: list[Signoff] = []

    def record_signature(locked: Version) -> Recorded:
        _keep_password_check(actor, right, context)
        allowed = meanings_for(locked)
        if meaning not in allowed:
            during = " during its re-review" if review_rounds.is_open(locked) else ""
            raise ValidationError(
                f"Choose what the signature means{during}: {', '.join(allowed)}.",
                field="meaning",
                **context,
            )
        if has_signed(actor, locked):
            raise TransitionNotAllowed(
                f"You have already signed version {locked.number}"
                f"{' in this re-review' if review_rounds.is_open(locked) else ''}.",
                **context,
            )
        signing_round = review_rounds.signing_round(locked)
        cited = part_chains.cited_reference_versions(locked) if locked.is_wording else []
        signoff = Signoff(
            version_id=locked.id,
            cited_references=json.dumps(cited, sort_keys=True),
            signer_id=actor.id,
            printed_name=actor.printed_name,
            role=SIGNER_ROLE,
            meaning=meaning,
            content_hash=locked.content_hash,
            signed_at=utcnow(),
            round=signing_round,
        )
        db.session.add(signoff)
        db.session.flush()
        signed.append(signoff)
        return Recorded(
            target=("signoff", signoff.id),
            details={
                "printed_name": signoff.printed_name,
                "role": signoff.role,
                "meaning": meaning,
                "signed_at": signoff.signed_at.isoformat(),
                "cited_references": cited,
            }
            | ({"round": signing_round} if signing_round else {}),
        )

    engine.transition(actor, version, Action.SIGN, prepare=record_signature)
    return signed[0]


def object_to_version(actor: User, version: Version, reason: str) -> Objection:
    """Veto a version awaiting sign-off: the engine sends it back to Changes requested. On
    published wording the objection sends it for revision: it stays published, review due."""
    objected: list[Objection] = []

    def record_objection(locked: Version) -> Recorded:
        objection = Objection(
            version_id=locked.id,
            objector_id=actor.id,
            printed_name=actor.printed_name,
            reason=reason.strip(),
            content_hash=locked.content_hash,
            objected_at=utcnow(),
        )
        db.session.add(objection)
        db.session.flush()
        objected.append(objection)
        return Recorded(details={"objection_id": objection.id})

    engine.transition(actor, version, Action.OBJECT, comment=reason, prepare=record_objection)
    return objected[0]
