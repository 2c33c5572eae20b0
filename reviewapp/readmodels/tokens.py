"""A person's API tokens as their account page and the admin's page list them."""

from dataclasses import dataclass

from reviewapp.domain.tokens import tokens_of
from reviewapp.models import ApiToken, User
from reviewapp.rules.clock import utcnow


@dataclass(frozen=True)
class TokenRow:
    """One API token with what it can do now: a revoked or expired one authenticates nothing."""

    token: ApiToken
    status: str
    can_revoke: bool


def token_rows(account: User) -> list[TokenRow]:
    """Return the person's tokens, newest first, each with its status now."""
    now = utcnow()
    rows = []
    for token in tokens_of(account):
        if token.is_revoked:
            rows.append(TokenRow(token, "Revoked", can_revoke=False))
        elif token.is_expired(now):
            rows.append(TokenRow(token, "Expired", can_revoke=False))
        else:
            rows.append(TokenRow(token, "Active", can_revoke=True))
    return rows
