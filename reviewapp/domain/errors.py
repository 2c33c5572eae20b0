"""Domain errors: plain exceptions that one handler maps to HTTP statuses."""

from reviewapp.rules.limits import too_long


class DomainError(Exception):
    """A refused action. `action` and `target` let the refusal be audited."""

    status = 400
    code = "refused"
    # True when the domain recorded this refusal itself and those records must be committed.
    keep_records = False

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        target: tuple[str, int | None] = ("", None),
        article_id: int | None = None,
        field: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.action = action
        self.target = target
        self.article_id = article_id
        # The input the person can correct, so forms and API answers can point at it.
        self.field = field


def on_version(action: str, version) -> dict:
    """Return what a refusal of `action` on one version names for its audit event."""
    return {
        "action": action,
        "target": ("version", version.id),
        "article_id": version.article_id,
    }


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class TransitionNotAllowed(DomainError):
    status = 409
    code = "transition_not_allowed"


class IntegrityRefused(DomainError):
    """A version's stored text no longer matches the content hash it was reviewed under."""

    status = 409
    code = "integrity_check_failed"


class StaleVersion(DomainError):
    status = 409
    code = "stale_version"

    def __init__(self, message: str, *, current_version_id: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.current_version_id = current_version_id


class ValidationError(DomainError):
    status = 422
    code = "validation_error"


def require_fits(field: str, value: str, limit: int, **context) -> None:
    """Refuse `value` for `field` when it is longer than its domain limit."""
    message = too_long(field, value, limit)
    if message is not None:
        raise ValidationError(message, field=field, **context)


class NotFound(DomainError):
    status = 404
    code = "not_found"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        # Seconds until another attempt may be made, when that is known (Retry-After).
        self.retry_after = retry_after
