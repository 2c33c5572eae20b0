"""What readers are told of a reviewer's or signer's declaration of interests."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select

from reviewapp.extensions import db
from reviewapp.models import Declaration, Signoff, User, VersionTransition
from reviewapp.rules import declarations as rules
from reviewapp.rules import specialties
from reviewapp.rules.clock import utcnow
from reviewapp.rules.declarations import InterestKind, Standing
from reviewapp.rules.states import Action, Role


@dataclass(frozen=True)
class PublicDeclaration:
    """A person's declaration in force, as the public page shows it: never their email."""

    name: str
    is_editor: bool
    is_board: bool
    current: Declaration | None
    standing: Standing
    specialty_names: list[str]
    earlier: int  # older declarations, kept for the audit

    @property
    def kind(self) -> InterestKind | None:
        return self.current.kind_enum if self.current else None

    @property
    def valid_until(self) -> datetime | None:
        return rules.valid_until(self.current.declared_at) if self.current else None

    @property
    def expired(self) -> bool:
        return self.standing is Standing.EXPIRED


def _appears_publicly(person_id: int):
    """The condition that the person approved or signed something readers may be shown."""
    return or_(
        exists().where(Declaration.user_id == person_id),
        exists().where(Signoff.signer_id == person_id),
        exists().where(
            VersionTransition.actor_id == person_id,
            VersionTransition.action == Action.APPROVE.value,
        ),
    )


def public_declaration(person_id: int, language: str = "en") -> PublicDeclaration | None:
    """Return the person's public declaration, or None for an account readers never see
    (no declaration, no approval, no signature): its name is nobody's business."""
    person = db.session.scalar(
        select(User).where(User.id == person_id, _appears_publicly(person_id))
    )
    if person is None:
        return None
    history = list(person.declarations)
    current = history[0] if history else None
    return PublicDeclaration(
        name=person.printed_name,
        is_editor=Role.EDITOR in person.roles,
        is_board=Role.BOARD in person.roles,
        current=current,
        standing=rules.standing(current.declared_at if current else None, utcnow()),
        specialty_names=[
            specialties.label(code, language)
            for code in (current.specialty_codes if current else [])
        ],
        earlier=max(len(history) - 1, 0),
    )
