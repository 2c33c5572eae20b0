"""The data model, one module per concept."""

from reviewapp.models.api_token import ApiToken
from reviewapp.models.article import Article, ArticleAuthor, Reference
from reviewapp.models.audit import AuditEvent
from reviewapp.models.checkpoint import AuditCheckpoint
from reviewapp.models.comment import Comment
from reviewapp.models.declaration import Declaration, InterestStatement
from reviewapp.models.notification import Notification, NotificationPreference, OutboxMessage
from reviewapp.models.password_check import PasswordCheck
from reviewapp.models.retraction import ReferenceRetraction
from reviewapp.models.section import Section
from reviewapp.models.signoff import Objection, Signoff
from reviewapp.models.site_text import SiteText
from reviewapp.models.user import User, UserRole
from reviewapp.models.version import Version, VersionCitation, VersionTransition
from reviewapp.models.withdrawal import Withdrawal, WithdrawnVersion

__all__ = [
    "ApiToken",
    "Comment",
    "Declaration",
    "InterestStatement",
    "Article",
    "ArticleAuthor",
    "AuditCheckpoint",
    "AuditEvent",
    "Notification",
    "NotificationPreference",
    "Objection",
    "OutboxMessage",
    "Reference",
    "ReferenceRetraction",
    "Section",
    "PasswordCheck",
    "Signoff",
    "SiteText",
    "User",
    "UserRole",
    "Version",
    "VersionCitation",
    "VersionTransition",
    "Withdrawal",
    "WithdrawnVersion",
]
