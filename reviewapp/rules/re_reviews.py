"""Re-review of published wording and retracted sources, as data. Imports neither Flask nor
the database."""

import calendar
import re
from datetime import date

# Why published wording is review due when its date comes.
DATE_REACHED = "review date reached"
# What a board member's signature means when it re-certifies unchanged wording.
RE_REVIEW_MEANING = "Re-reviewed, no change"
# The round of a version's first signatures, the ones that approved it.
APPROVAL_ROUND = 0
# Why published wording is review due before its date, when a retraction list names a
# source it cites.
SOURCE_RETRACTED = "cited source retracted"

# The columns a retraction list may name, lower-cased: Retraction Watch's export names the
# retracted work's identifiers OriginalPaperDOI and OriginalPaperPubMedID, and the notice's
# RetractionDOI; Crossref's and hand-made lists say doi and pmid.
DOI_COLUMNS = ("doi", "originalpaperdoi")
PMID_COLUMNS = ("pmid", "originalpaperpubmedid", "pubmedid")
NOTICE_COLUMNS = ("notice_doi", "retractiondoi", "retraction_doi")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")
_PMID = re.compile(r"\d{1,12}")
# Retraction Watch writes "unavailable" and zeros where it has no identifier.
_NO_IDENTIFIER = {"", "0", "unavailable", "none", "n/a", "na"}


def normalise_doi(value: str) -> str:
    """Return a DOI as references store it for comparison: lower case, without a resolver
    address or a "doi:" prefix; "" when it is no DOI."""
    doi = value.strip().lower()
    for prefix in DOI_PREFIXES:
        if doi.startswith(prefix):
            doi = doi[len(prefix) :]
            break
    doi = doi.removeprefix("doi:").strip()
    if doi in _NO_IDENTIFIER or not doi.startswith("10."):
        return ""
    return doi


def normalise_pmid(value: str) -> str:
    """Return a PubMed id without spaces or leading zeros; "" when it is none."""
    pmid = value.strip().lstrip("0")
    if pmid.lower() in _NO_IDENTIFIER or not _PMID.fullmatch(pmid):
        return ""
    return pmid


def column_for(headers: list[str], names: tuple[str, ...]) -> str | None:
    """Return the header among `headers` that one of `names` spells, case aside."""
    by_name = {header.strip().lower(): header for header in headers if header}
    return next((by_name[name] for name in names if name in by_name), None)


def review_due_on(last_reviewed: date, months: int) -> date:
    """Return the day wording last reviewed on `last_reviewed` is next due: `months` later,
    clamped to the end of a shorter month (as readmodels.publication.add_months)."""
    month_index = last_reviewed.month - 1 + months
    year, month = last_reviewed.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(last_reviewed.day, calendar.monthrange(year, month)[1]))
