"""Domain errors: plain exceptions that one handler maps to HTTP statuses."""


class DomainError(Exception):
    """A refused action. `action` and `target` let the refusal be audited."""

    status = 400
    code = "refused"

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        target: tuple[str, int | None] = ("", None),
        article_id: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.action = action
        self.target = target
        self.article_id = article_id


def on_version(action: str, version) -> dict:
    """Return what a refusal of `action` on one version names for its audit event."""
    return {
        "action": action,
        "target": ("version", version.id),
        "article_id": version.section.article_id,
    }


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class TransitionNotAllowed(DomainError):
    status = 409
    code = "transition_not_allowed"


class StaleVersion(DomainError):
    status = 409
    code = "stale_version"

    def __init__(self, message: str, *, current_version_id: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.current_version_id = current_version_id


class ValidationError(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"
