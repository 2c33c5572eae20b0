"""The review queue's filters: a GET form whose values become the read model's filters."""

from typing import Any

from flask import url_for
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from reviewapp.models import User
from reviewapp.readmodels.review_queue import (
    ASSIGNED_TO_ME,
    OPEN_STATES,
    UNASSIGNED,
    QueueFilters,
)
from reviewapp.rules.states import Audience, Kind

OLDEST, NEWEST = "oldest", "newest"
SLUG_LENGTH = 200  # the column is String(200)
# The largest page number read: beyond it the page is the last one anyway.
MAX_PAGE = 100_000


class QueueFilterForm(Form):
    """Filters read from the address, so a filtered queue can be bookmarked and shared."""

    article = StringField(
        "Article",
        validators=[Length(max=SLUG_LENGTH)],
        description="Its address name, as in /review/articles/<name>.",
    )
    kind = SelectField(
        "Kind",
        default="",
        choices=[
            SelectChoice("", "Any kind"),
            *(SelectChoice(kind.value, kind.label.capitalize()) for kind in Kind),
        ],
    )
    audience = SelectField(
        "Wording for",
        default="",
        choices=[
            SelectChoice("", "Either audience"),
            *(SelectChoice(a.value, a.value.capitalize()) for a in Audience),
        ],
    )
    state = SelectField(
        "State",
        default="",
        choices=[
            SelectChoice("", "Any open state"),
            *(SelectChoice(state.value, state.label) for state in OPEN_STATES),
        ],
    )
    assignee = SelectField("Held by", default="")
    mine = BooleanField("Only versions I wrote")
    overdue = BooleanField("Overdue only")
    sort = SelectField(
        "Order",
        default=OLDEST,
        choices=[SelectChoice(OLDEST, "Oldest first"), SelectChoice(NEWEST, "Newest first")],
    )

    def __init__(self, formdata: MultiDict, editors: list[User], *, editor: bool) -> None:
        super().__init__(formdata)
        self.assignee.choices = [
            SelectChoice("", "Anyone or nobody"),
            *([SelectChoice(ASSIGNED_TO_ME, "Me")] if editor else []),
            SelectChoice(UNASSIGNED, "Nobody"),
            *(SelectChoice(str(user.id), user.printed_name) for user in editors),
        ]

    def filters(self, page: int) -> QueueFilters:
        """Return the read model's filters for the values this form accepted."""
        return QueueFilters(
            article=(self.article.data or "").strip(),
            kind=self.kind.data or "",
            audience=self.audience.data or "",
            state=self.state.data or "",
            assignee=self.assignee.data or "",
            mine=bool(self.mine.data),
            overdue=bool(self.overdue.data),
            newest_first=self.sort.data == NEWEST,
            page=page,
        )


def page_number(value: str | None) -> int:
    """Return the page asked for, 1 for anything that is not a page number."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_PAGE)):
        return max(1, min(int(text), MAX_PAGE))
    return 1


def page_url(args: MultiDict, page: int) -> str:
    """Return the queue's address for another page with the same filters."""
    values: dict[str, Any] = {key: args.getlist(key) for key in args if key != "page"}
    return url_for("editor.queue", **values, page=page)
