"""Forms proposing a version of a part besides wording, and the values each one proposes.

The forms only read what was typed; every rule about the values (what is required, which
kinds and policies exist, the ranges of numbers) is the domain's, so a value the domain
refuses reaches it as typed and is refused there with its own message.
"""

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from reviewapp.blueprints.editor.forms import EditForm, names_a_version
from reviewapp.rules import parts as rules
from reviewapp.rules.states import PublicationPolicy

# Blank author rows offered below the listed ones, to add authors without JavaScript.
BLANK_AUTHOR_ROWS = 2
# More rows than any page needs: what a hostile form sends beyond this is ignored.
MAX_ROWS = 200
# A number this long is no count, position or year: it is passed on as typed and refused.
_NUMBER_DIGITS = 6
POLICY_LABELS = {
    PublicationPolicy.APPROVED_ONLY.value: "Approved wording only",
    PublicationPolicy.PENDING_WITH_CAUTION.value: "Pending wording shown with a caution",
}


def whole_number(value: str | None) -> int | str:
    """Return a typed whole number as an int, or the text as typed for the domain to refuse."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= _NUMBER_DIGITS:
        return int(text)
    return text


class Rows(FieldList):
    """A list of rows that reads only plain row numbers from a form, so that no index a
    hostile form makes up (a huge number, a non-ASCII digit) can fail the request."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for name in formdata:
            if name.startswith(prefix):
                index = name[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= len(str(MAX_ROWS)):
                    yield int(index)


class PartForm(FlaskForm):
    """What every proposal carries: the version it builds on and the reason for the change."""

    # The chain's newest version when the form was opened: the stale-base rule compares it.
    base_version_id = HiddenField(validators=[names_a_version])
    # The newer version a refused proposal was shown, which the person may build on instead.
    seen_version_id = HiddenField(validators=[names_a_version])
    build_on_seen = BooleanField(validators=[Optional()])
    change_summary = TextAreaField("Change summary")

    def base_id(self) -> int | None:
        """Return the version this proposal builds on."""
        chosen = self.seen_version_id.data if self.build_on_seen.data else None
        return EditForm.version_id(chosen or self.base_version_id.data)

    def start_from(self, values: dict[str, Any], newest_id: int | None, **extra) -> None:
        """Fill a fresh form from the values a proposal starts from."""
        self.base_version_id.data = str(newest_id) if newest_id is not None else ""
        self.fill(values, **extra)

    def fill(self, values: dict[str, Any]) -> None:
        raise NotImplementedError


class AuthorRow(Form):
    name = StringField("Name")
    credentials = StringField("Credentials")
    disclosures = TextAreaField("Disclosures")


class FrontMatterForm(PartForm):
    title = StringField("Title (the clinical question)")
    title_language = StringField("Title language")
    language = StringField("Language")
    specialty = StringField("Specialty")
    authors = Rows(FormField(AuthorRow), max_entries=MAX_ROWS)

    def fill(self, values: dict[str, Any]) -> None:
        for name in rules.FRONT_MATTER_FIELDS:
            self[name].data = values.get(name, "")
        while self.authors.entries:
            self.authors.pop_entry()
        for author in values.get("authors", []):
            self.authors.append_entry(author)
        self.add_blank_rows()

    def add_blank_rows(self) -> None:
        """Offer empty author rows below the filled ones."""
        filled = [row for row in self.authors if not _blank(row.data)]
        blank = len(self.authors.entries) - len(filled)
        for _ in range(max(0, BLANK_AUTHOR_ROWS - blank)):
            self.authors.append_entry()

    def payload(self) -> dict[str, Any]:
        return rules.front_matter(
            title=self.title.data or "",
            title_language=self.title_language.data or "",
            language=self.language.data or "",
            specialty=self.specialty.data or "",
            # Rows left empty are the ones offered for adding: they are no author.
            authors=[row.data for row in self.authors if not _blank(row.data)],
        )


def _blank(row: dict[str, Any]) -> bool:
    return not any((row.get(name) or "").strip() for name in rules.AUTHOR_FIELDS)


class ReferenceForm(PartForm):
    # The choices are the domain's; a value outside them is refused there, with its message.
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(kind, kind) for kind in rules.REFERENCE_KINDS],
        validate_choice=False,
    )
    title = StringField("Title")
    authors = StringField("Authors or organisation")
    year = StringField("Year")
    publisher = StringField("Publisher")
    url = StringField("URL")
    doi = StringField("DOI")
    pmid = StringField("PMID")
    accessed = StringField("Accessed")
    note = TextAreaField("Note")

    def fill(self, values: dict[str, Any]) -> None:
        self.kind.data = values.get("kind", "")
        for name in rules.REFERENCE_FIELDS:
            value = values.get(name)
            self[name].data = "" if value is None else str(value)

    def values(self) -> dict[str, Any]:
        typed: dict[str, Any] = {"kind": self.kind.data or ""}
        for name in rules.REFERENCE_FIELDS:
            typed[name] = self[name].data or ""
        typed["year"] = whole_number(typed["year"]) if typed["year"].strip() else None
        return typed

    def payload(self, key: str) -> dict[str, Any]:
        return rules.reference(key, self.values())


class NewReferenceForm(ReferenceForm):
    key = StringField("Key", description="Cited in the wording as [@key].")


class SettingsForm(PartForm):
    publication = SelectField(
        "Publication policy",
        choices=[SelectChoice(value, label) for value, label in POLICY_LABELS.items()],
        validate_choice=False,
    )
    required_signoffs = StringField("Board sign-offs required")
    review_interval_months = StringField("Review interval (months)")
    days_to_first_review = StringField(
        rules.LABELS["days_to_first_review"],
        description="Days an editor has to decide on a submitted version before it shows as "
        f"overdue; left blank, {rules.DEFAULT_DAYS_TO_FIRST_REVIEW}.",
    )
    days_to_signoff = StringField(
        rules.LABELS["days_to_signoff"],
        description="Days the board has to sign a version an editor approved before it shows "
        f"as overdue; left blank, {rules.DEFAULT_DAYS_TO_SIGNOFF}.",
    )

    def fill(self, values: dict[str, Any]) -> None:
        for name in rules.SETTINGS_FIELDS:
            value = values.get(name)
            self[name].data = "" if value is None else str(value)
        # Settings from before the due dates start from the defaults they were held to.
        first, signoff = rules.review_days(values)
        self.days_to_first_review.data = str(first)
        self.days_to_signoff.data = str(signoff)

    def payload(self) -> dict[str, Any]:
        return rules.settings(
            publication=self.publication.data or "",
            required_signoffs=whole_number(self.required_signoffs.data),
            review_interval_months=whole_number(self.review_interval_months.data),
            days_to_first_review=_days(self.days_to_first_review.data),
            days_to_signoff=_days(self.days_to_signoff.data),
        )


def _days(value: str | None) -> int | str | None:
    """Return typed days, or None when left blank: the defaults apply, as in older settings."""
    return whole_number(value) if (value or "").strip() else None


LEVEL_CHOICES = [SelectChoice(level, str(level)) for level in rules.OUTLINE_LEVELS]
KEEP, RETIRE = "keep", "retire"
LAST = 10 * MAX_ROWS + 1


def position_of(text: str | None) -> int | None:
    """Return a typed position in the outline, or None when none was typed."""
    number = whole_number(text)
    return number if isinstance(number, int) else None


def a_position(form: Form, field: StringField) -> None:
    """Refuse a position that is not a whole number from 1 on."""
    text = (field.data or "").strip()
    if text and not (isinstance(number := whole_number(text), int) and 1 <= number <= LAST):
        raise ValidationError(f"Use a whole number from 1 to {LAST}, or leave it empty.")


class OutlineRow(Form):
    key = HiddenField()
    keep = SelectField(
        "In the outline",
        choices=[SelectChoice(KEEP, "Keep"), SelectChoice(RETIRE, "Retire")],
        validate_choice=False,
    )
    position = StringField("Position", validators=[a_position])
    level = SelectField("Level", choices=LEVEL_CHOICES, coerce=int, validate_choice=False)


class OutlineForm(PartForm):
    sections = Rows(FormField(OutlineRow), max_entries=MAX_ROWS)
    new_key = StringField("Key of a new section")
    new_level = SelectField("Its level", choices=LEVEL_CHOICES, coerce=int, default=2)
    new_position = StringField("Its position", validators=[a_position])

    def fill(self, values: dict[str, Any], others: list[tuple[str, int]] = ()) -> None:
        """Fill one row per section: those in the outline, then the retired ones and `others`
        (sections the outline does not name yet, such as those a rejected outline added)."""
        while self.sections.entries:
            self.sections.pop_entry()
        entries = values.get("sections", [])
        for index, entry in enumerate(entries, start=1):
            self.sections.append_entry(
                {"key": entry["key"], "keep": KEEP, "position": str(index), "level": entry["level"]}
            )
        levels = dict(others)
        for key in [*values.get("retired", []), *levels]:
            self.sections.append_entry(
                {"key": key, "keep": RETIRE, "position": "", "level": levels.get(key, 2)}
            )

    def payload(self) -> dict[str, Any]:
        kept, retired = [], []
        for index, row in enumerate(self.sections):
            key = (row.key.data or "").strip()
            if not key:
                continue
            if row.keep.data == RETIRE:
                retired.append(key)
            else:
                typed = position_of(row.position.data)
                place = typed if typed is not None else index + 1
                kept.append(((place, index), key, row.level.data))
        new_key = (self.new_key.data or "").strip()
        if new_key:
            # Without a position a new section goes last.
            typed = position_of(self.new_position.data)
            place = typed if typed is not None else LAST
            kept.append(((place, len(self.sections.entries)), new_key, self.new_level.data))
        # Equal positions keep the order of the rows; a row without one keeps its place.
        kept.sort(key=lambda entry: entry[0])
        return rules.outline([(key, level) for _, key, level in kept], retired)


class SiteTextForm(PartForm):
    text = TextAreaField("Text (Markdown)")

    def fill(self, values: dict[str, Any]) -> None:
        self.text.data = values.get("text", "")

    def payload(self, key: str) -> dict[str, Any]:
        return {"key": key, "text": self.text.data or ""}


class SiteTextKeyForm(FlaskForm):
    """GET form naming a site text, such as a disclaimer in one language."""

    class Meta:
        csrf = False

    key = StringField("Site text key", description="For example disclaimer.patient.fr")
