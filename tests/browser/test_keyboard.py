"""The audience chooser works with the keyboard alone, and focus is always visible."""

from tests.browser.pages import SEED

MAX_TABS = 30

FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return {
        id: element.id,
        tag: element.tagName.toLowerCase(),
        text: (element.textContent || element.value || "").trim().slice(0, 60),
        checked: element.checked === true,
        focusVisible: element.matches(":focus-visible"),
        outline: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth),
        onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
            && box.left < innerWidth,
    };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_visible(element: dict) -> None:
    """The focused element shows the focus ring (WCAG 2.4.7) and is on screen."""
    assert element["focusVisible"], element
    assert element["outline"] != "none", element
    assert element["outlineWidth"] >= 2, element
    assert element["onScreen"], element


def tab_to(page, element_id: str) -> list[dict]:
    """Press Tab until the element is focused; return every element focused on the way."""
    path = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        element = focused(page)
        assert_focus_visible(element)
        path.append(element)
        if element["id"] == element_id:
            return path
    raise AssertionError(f"#{element_id} not reached in {MAX_TABS} tabs: {path}")


def test_audience_chooser_by_keyboard_alone(page):
    from playwright.sync_api import expect

    page.goto(SEED)
    path = tab_to(page, "audience-clinician")
    assert path[0]["text"] == "Skip to content", path[0]
    # In a radio group only the chosen radio takes Tab; the arrows move the choice.
    assert path[-1]["checked"]

    page.keyboard.press("ArrowDown")
    element = focused(page)
    assert element["id"] == "audience-patient", element
    assert element["checked"], element
    assert_focus_visible(element)
    page.keyboard.press("ArrowUp")
    assert focused(page)["id"] == "audience-clinician"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert focused(page)["checked"]

    page.keyboard.press("Tab")
    button = focused(page)
    assert button["tag"] == "button", button
    assert button["text"] == "Show this wording", button
    assert_focus_visible(button)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".showing")).to_contain_text("patients and caregivers")
    expect(page.get_by_label("Patient or caregiver")).to_be_checked()


def test_skip_link_moves_to_the_content(page):
    page.goto(SEED)
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to content"
    assert_focus_visible(skip)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is inside <main>, not the site navigation again.
    assert page.evaluate("() => document.activeElement.closest('main') !== null")
