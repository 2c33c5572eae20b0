"""HTML to PDF with WeasyPrint, which fetches nothing: a record is built from its own text.

WeasyPrint rather than Chromium's print-to-PDF: it is a Python library the app calls in
process (no browser to start per request or keep installed on app servers), its output is
deterministic for the same HTML, and its CSS paged media support gives running headers with
the content hash and page numbers on every page.
"""


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango, HarfBuzz) are not installed."""


class ExternalResourceRefused(ValueError):
    """A record's HTML asked for a resource: records are self-contained."""


def _refuse_fetch(url: str, *args, **kwargs):
    # Wording may contain image or link addresses; a PDF must never make the server fetch them.
    raise ExternalResourceRefused(f"records load no external resource ({url})")


def html_to_pdf(html: str) -> bytes:
    try:
        # Imported on first use: a server without Pango still serves everything else.
        from weasyprint import HTML
    except OSError as error:
        raise PdfUnavailable(
            "PDF records need Pango and HarfBuzz on this server "
            "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)."
        ) from error
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
