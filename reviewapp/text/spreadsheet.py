"""CSV that spreadsheets open as data: no cell of ours is ever run as a formula."""

import csv
from collections.abc import Iterable, Mapping
from typing import Any

# OWASP "CSV Injection": Excel, LibreOffice and Google Sheets read a cell starting with one
# of these as a formula (tab and carriage return too, which some strip before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Return `value`, with a leading apostrophe if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):
    """A `csv.DictWriter` whose rows cannot start a formula in any cell."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({name: safe_cell(value) for name, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)
