"""The audience chooser works with the keyboard alone, and focus is always visible."""

import re

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

    page.goto(SEED)  # the plain address: a new reader gets the clinician wording
    expect(page).to_have_url(re.compile(r"/clinician$"))
    path = tab_to(page, "audience-patient")
    assert path[0]["text"] == "Aller au contenu", path[0]
    assert path[-2]["id"] == "audience-clinician", path[-2]  # the current wording, first
    assert path[-1]["tag"] == "a", path[-1]
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/patient$"))
    expect(page.locator("#audience-patient")).to_have_attribute("aria-current", "page")
    expect(page.locator(".showing")).to_contain_text("patients et proches aidants")


def test_skip_link_moves_to_the_content(page):
    page.goto(SEED)
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Aller au contenu"
    assert_focus_visible(skip)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is inside <main>, not the site navigation again.
    assert page.evaluate("() => document.activeElement.closest('main') !== null")
