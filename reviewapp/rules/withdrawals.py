"""What a withdrawal or a retraction takes down, and what the board's countersignature means.

Imports neither Flask nor the database.
"""

from enum import StrEnum
from types import MappingProxyType


class WithdrawalKind(StrEnum):
    # Published wording taken down: a section for one audience or both, or every section.
    WITHDRAWAL = "withdrawal"
    # The article itself retracted (COPE): its address stays, with the notice, and no content.
    RETRACTION = "retraction"


class Scope(StrEnum):
    """How much published wording one withdrawal takes down."""

    AUDIENCE = "audience"
    BOTH = "both"
    ARTICLE = "article"

    @property
    def label(self) -> str:
        return SCOPE_LABELS[self]


SCOPE_LABELS = MappingProxyType(
    {
        Scope.AUDIENCE: "this audience's wording of the section",
        Scope.BOTH: "the section's wording for both audiences",
        Scope.ARTICLE: "all published wording of the article",
    }
)

# What a board member's countersignature means, by what it confirms.
COUNTERSIGN_MEANINGS = MappingProxyType(
    {
        WithdrawalKind.WITHDRAWAL: "Withdrawal confirmed",
        WithdrawalKind.RETRACTION: "Retraction confirmed",
    }
)

# The board countersigns within this many days unless the configuration says otherwise.
DEFAULT_COUNTERSIGN_DAYS = 3
