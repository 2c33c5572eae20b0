"""What the audit trail's actions and recorded fields are called, for people reading it.

The workflow's own events come from its table (rules/states.py); the other actions are the
names the domain records. An action recorded without a label here still shows, by its name.
"""

import re
from types import MappingProxyType

from reviewapp.rules.states import TRANSITIONS, Kind, State

# The workflow's moves, by the event name each row of the table records.
WORKFLOW_LABELS = MappingProxyType(
    {
        "version.start_review": "Review started",
        "version.request_changes": "Changes requested",
        "version.reject": "Version rejected",
        "version.approve": "Editor approved, sent to the board",
        "signoff.sign": "Signed by a board member",
        "version.publish": "Board quorum reached, published",
        "signoff.object": "Board member objected",
        "version.supersede": "Superseded by a newer version",
        "version.withdraw": "Published wording withdrawn",
        "version.reinstate": "Previous approved version reinstated",
        "version.re_review_open": "Re-review opened (no change to the wording)",
        "version.re_reviewed": "Re-reviewed, no change: board quorum reached",
        "version.send_for_revision": "Sent for revision (stays published, review due)",
    }
)
_undeclared = {row.event for row in TRANSITIONS.values()} - set(WORKFLOW_LABELS)
if _undeclared:
    raise RuntimeError(f"Workflow events without an audit label: {sorted(_undeclared)}")

# Grouped as the action list shows them; each group in the order work happens.
ACTION_GROUPS: tuple[tuple[str, MappingProxyType], ...] = (
    (
        "Review and sign-off",
        MappingProxyType(
            {
                "version.submit": "Version submitted",
                "version.claim": "Claimed by an editor",
                "version.assign": "Assigned to an editor",
                "version.release": "Released by its editor",
                **WORKFLOW_LABELS,
                "comment.create": "Comment added",
                "comment.resolve": "Comment resolved",
                "integrity.failure": "Stored text failed its integrity check",
            }
        ),
    ),
    (
        "Review due and retracted sources",
        MappingProxyType(
            {
                "version.review_due": "Published wording became review due",
                "reference.retracted": "Cited source marked retracted (from a retraction list)",
            }
        ),
    ),
    (
        "Withdrawal and retraction",
        MappingProxyType(
            {
                "withdrawal.create": "Wording withdrawn from the page, with a public reason",
                "article.retract": "Article retracted",
                "withdrawal.countersign": "Withdrawal or retraction countersigned by the board",
                "withdrawal.countersign_overdue": "Board countersignature overdue",
            }
        ),
    ),
    (
        "Declarations of interests",
        MappingProxyType(
            {
                "declaration.declare": "Interests declared",
                "declaration.recuse": "Recused from a version (declared interest)",
                "declaration.justify": "Justified acting despite a declared interest",
            }
        ),
    ),
    (
        "Content",
        MappingProxyType(
            {
                "content.import": "Article imported",
                "part.carry_over": "Part carried over as approved",
            }
        ),
    ),
    (
        "Accounts and access",
        MappingProxyType(
            {
                "auth.sign_in": "Signed in",
                "auth.sign_out": "Signed out",
                "user.create": "Account created",
                "user.set_roles": "Roles changed",
                "user.activate": "Account reactivated",
                "user.deactivate": "Account deactivated",
                "user.change_password": "Password changed",
                "user.reset_password": "Temporary password issued",
                "token.issue": "API token issued",
                "token.revoke": "API token revoked",
            }
        ),
    ),
)
ACTION_LABELS = MappingProxyType(
    {action: label for _, labels in ACTION_GROUPS for action, label in labels.items()}
)

OUTCOME_LABELS = MappingProxyType({"done": "Done", "refused": "Refused"})

# Recorded fields that hold a version's id, a person's id, a state or a kind.
VERSION_FIELDS = frozenset(
    {
        "version_id",
        "parent_id",
        "superseded_by",
        "source_clinician_id",
        "reinstated_version_id",
        "withdrawn_version_id",
    }
)
USER_FIELDS = frozenset({"user_id", "assignee_id", "signer_id", "author_id"})
STATE_FIELDS = frozenset({"state"})
KIND_FIELDS = frozenset({"kind"})

FIELD_LABELS = MappingProxyType(
    {
        "version_id": "Version",
        "section_id": "Section",
        "parent_id": "Based on",
        "superseded_by": "Superseded by",
        "source_clinician_id": "Written from",
        "user_id": "Account",
        "assignee_id": "Held by",
        "assignee": "Held by (printed name)",
        "state": "State",
        "kind": "Part",
        "part": "Part",
        "number": "Version number",
        "section": "Section key",
        "audience": "Audience",
        "content_hash": "Content hash",
        "provenance": "Provenance",
        "change_summary": "Change summary",
        "public_note": "Public change note",
        "comment": "Comment",
        "reason": "Reason",
        "body": "Comment",
        "resolved": "Resolved",
        "signoffs": "Sign-offs counted",
        "printed_name": "Printed name",
        "role": "Role",
        "meaning": "Meaning",
        "signed_at": "Signed at (UTC)",
        "cited_references": "References cited",
        "objection_id": "Objection",
        "roles": "Roles",
        "active": "Active",
        "must_change_password": "Must change password",
        "name": "Name",
        "prefix": "Token prefix",
        "specialties": "Specialties",
        "declared_at": "Declared at (UTC)",
        "supersedes": "Supersedes declaration",
        "declaration_id": "Declaration",
        "withdrawal_id": "Withdrawal",
        "scope": "Scope",
        "reinstated_version_id": "Reinstated version",
        "withdrawn_version_id": "Withdrawn version",
        "withdrawn_versions": "Versions withdrawn",
        "countersign_due_at": "Countersignature due (UTC)",
    }
)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def field_label(key: str) -> str:
    """Return a recorded field's label; an unknown key reads as words ("due_at" → "Due at")."""
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    words = re.sub(r"_+", " ", key).strip()
    return words[:1].upper() + words[1:]


def state_label(value: str) -> str:
    try:
        return State(value).label
    except ValueError:
        return value


def kind_label(value: str) -> str:
    try:
        return Kind(value).label.capitalize()
    except ValueError:
        return value
