"""axe-core finds no WCAG 2.0, 2.1 or 2.2 level A or AA violation on any page type."""

import pytest

from tests.browser.pages import PAGE_TYPES, PageType, visit
from tests.browser.tools import need_axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN_AXE = """tags => axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
})"""


def describe(violations: list[dict]) -> str:
    """Format axe violations with the elements they concern, for a failure message."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = node.get("failureSummary") or ""
            lines.extend(f"      {line}" for line in summary.splitlines())
    return "\n".join(lines)


@pytest.fixture(scope="module")
def axe_source() -> str:
    return need_axe().read_text(encoding="utf-8")


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda page_type: page_type.name)
def test_no_wcag_violations(account_page, axe_source: str, page_type: PageType):
    page = account_page(page_type.account)
    visit(page, page_type)
    # Evaluated through the browser's debugging protocol, which the page's strict CSP does
    # not govern: the page is checked exactly as readers get it, with no bypass_csp.
    page.evaluate(axe_source + "\n;undefined")
    results = page.evaluate(RUN_AXE, WCAG_TAGS)
    violations = results["violations"]
    if violations:
        pytest.fail(f"{page_type.name} ({page.url}):\n{describe(violations)}", pytrace=False)


PHONE_PAGES = [page_type for page_type in PAGE_TYPES if page_type.account is None]


@pytest.mark.parametrize("page_type", PHONE_PAGES, ids=lambda page_type: page_type.name)
def test_no_wcag_violations_at_390_px(browser, live_server, axe_source: str, page_type: PageType):
    from tests.browser.conftest import _new_context

    context = _new_context(browser, live_server, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        visit(page, page_type)
        page.evaluate(axe_source + "\n;undefined")
        violations = page.evaluate(RUN_AXE, WCAG_TAGS)["violations"]
        if violations:
            pytest.fail(f"{page_type.name} at 390 px:\n{describe(violations)}", pytrace=False)
    finally:
        context.close()
