"""The editorial desk through HTTP: claiming, assigning and releasing work, due dates, and a
review queue that is paged, filtered and costs the same whatever the catalogue."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from benchmarks.seed import PASSWORD as BENCH_PASSWORD
from benchmarks.seed import seed_catalogue
from reviewapp.domain.engine import transition
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, User, Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, Role

C = Audience.CLINICIAN
API = "/api/v1"


def section(key: str = "s1") -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def newest(key: str = "s1") -> Version:
    db.session.expire_all()
    return latest_version(section(key), C)


def page_of(version: Version) -> str:
    return f"/review/versions/{version.id}"


def part(page: str, heading_id: str) -> str:
    """Return the HTML of the page section whose heading has this id."""
    start = page.index(f'id="{heading_id}"')
    return page[start : page.find("</section>", start)]


def refused(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.outcome == "refused")
        )
    )


def cards(page: str) -> list[str]:
    """Return the text of each version card of the queue's main list."""
    return re.findall(r'<li class="queue-card[^"]*">(.*?)</li>', part(page, "queue-heading"), re.S)


@pytest.fixture
def second_editor(make_user):
    return make_user(Role.EDITOR, name="Dr Zoe Second")


# --- claim, assign, release on the review screen ---------------------------------------------


def test_an_editor_claims_a_version_and_everyone_sees_who_holds_it(
    client, login, post_form, make_article, editor, contributor
):
    make_article()
    version = newest()
    login(editor)
    panel = part(client.get(page_of(version)).text, "assignment-heading")
    assert "nobody: any editor may claim it" in panel
    assert "Claim this version" in panel
    response = post_form(f"{page_of(version)}/claim", page=page_of(version))
    assert response.status_code == 302
    assert newest().assignee_id == editor.id
    login(contributor)
    panel = part(client.get(page_of(version)).text, "assignment-heading")
    assert "Dr Eve Editor, MD" in panel
    assert "Claim this version" not in panel
    assert "<select" not in panel


def test_assigning_lists_editors_but_the_author_and_audits_the_previous_holder(
    client, login, post_form, make_article, editor, second_editor, make_user
):
    make_article()
    writer_editor = make_user(Role.EDITOR, Role.CONTRIBUTOR, name="Dr Both Roles")
    version = newest()
    version.author_id = writer_editor.id  # as if this editor had written it
    db.session.commit()
    login(editor)
    post_form(f"{page_of(version)}/claim", page=page_of(version))
    panel = part(client.get(page_of(version)).text, "assignment-heading")
    assert f'<option value="{second_editor.id}">Dr Zoe Second, MD</option>' in panel
    assert "Dr Both Roles" not in panel
    assert "Reassign" in panel
    response = post_form(
        f"{page_of(version)}/assign", {"assignee_id": second_editor.id}, page=page_of(version)
    )
    assert response.status_code == 302
    assert newest().assignee_id == second_editor.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "version.assign"))
    assert json.loads(event.before)["assignee_id"] == editor.id
    assert json.loads(event.after)["assignee_id"] == second_editor.id
    # Releasing it is open to any editor, and said on the trail with the holder.
    response = post_form(f"{page_of(version)}/release", page=page_of(version))
    assert response.status_code == 302
    assert newest().assignee_id is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "version.release"))
    assert json.loads(event.before)["assignee"] == "Dr Zoe Second, MD"


def test_assignment_refusals_are_403_or_409_with_their_reason(
    client, login, post_form, make_article, editor, second_editor, contributor
):
    make_article()
    version = newest()
    login(contributor)
    response = post_form(f"{page_of(version)}/claim", page=page_of(version))
    assert response.status_code == 403
    assert "Only a medical editor can claim a version." in response.text
    login(editor)
    post_form(f"{page_of(version)}/claim", page=page_of(version))
    login(second_editor)
    response = post_form(f"{page_of(version)}/claim", page=page_of(version))
    assert response.status_code == 409
    assert "is held by Dr Eve Editor, MD: to take it over, assign it to yourself." in response.text
    response = post_form(
        f"{page_of(version)}/assign", {"assignee_id": contributor.id}, page=page_of(version)
    )
    assert response.status_code == 409
    assert "only to an active medical editor" in response.text
    assert newest().assignee_id == editor.id
    assert len(refused("version.claim")) == 2
    assert len(refused("version.assign")) == 1


def test_starting_review_on_the_page_claims_the_version(
    client, login, post_form, make_article, editor
):
    make_article()
    version = newest()
    login(editor)
    response = post_form(
        f"{page_of(version)}/actions", {"action": "start_review"}, page=page_of(version)
    )
    assert response.status_code == 302
    assert newest().assignee_id == editor.id
    assert "Dr Eve Editor, MD" in part(client.get(page_of(version)).text, "assignment-heading")


# --- the API ---------------------------------------------------------------------------------


def test_the_api_claims_assigns_and_releases(
    client, api_token, make_article, editor, second_editor, contributor
):
    make_article()
    version = newest()
    headers = {"Authorization": f"Bearer {api_token(editor)}"}
    shown = client.get(f"{API}/versions/{version.id}", headers=headers).json
    assert shown["assignee"] is None
    assert shown["due_at"] is not None
    assert shown["overdue"] is False
    claimed = client.post(f"{API}/versions/{version.id}/claim", headers=headers)
    assert claimed.status_code == 200, claimed.json
    assert claimed.json["assignee"] == {"id": editor.id, "name": "Dr Eve Editor, MD"}
    again = client.post(f"{API}/versions/{version.id}/claim", headers=headers)
    assert again.status_code == 409
    assert "already yours" in again.json["error"]["message"]
    moved = client.post(
        f"{API}/versions/{version.id}/assign",
        json={"assignee_id": second_editor.id},
        headers=headers,
    )
    assert moved.status_code == 200
    assert moved.json["assignee"]["id"] == second_editor.id
    missing = client.post(f"{API}/versions/{version.id}/assign", json={}, headers=headers)
    assert missing.status_code == 422
    released = client.post(f"{API}/versions/{version.id}/release", headers=headers)
    assert released.status_code == 200
    assert released.json["assignee"] is None
    writer = {"Authorization": f"Bearer {api_token(contributor)}"}
    forbidden = client.post(f"{API}/versions/{version.id}/claim", headers=writer)
    assert forbidden.status_code == 403
    assert forbidden.json["error"]["code"] == "permission_denied"


def test_the_api_shows_work_past_its_due_date_as_overdue(client, api_token, make_article, editor):
    make_article()
    version = newest()
    version.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token(editor)}"}
    assert client.get(f"{API}/versions/{version.id}", headers=headers).json["overdue"] is True


def test_settings_with_due_dates_through_the_api_and_the_form(
    client, login, post_form, api_token, make_article, contributor
):
    article = make_article()
    headers = {"Authorization": f"Bearer {api_token(contributor)}"}
    url = f"{API}/articles/{article.slug}/settings/versions"
    base = client.get(url, headers=headers).json["versions"][0]["id"]
    body = {
        "publication": "approved-only",
        "required_signoffs": 1,
        "review_interval_months": 12,
        "days_to_first_review": 0,
        "base_version_id": base,
        "change_summary": "Délais.",
        "provenance": "human",
    }
    refused_days = client.post(url, json=body, headers=headers)
    assert refused_days.status_code == 422
    assert refused_days.json["error"]["field"] == "days_to_first_review"
    created = client.post(url, json=body | {"days_to_first_review": 3}, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["values"]["days_to_first_review"] == 3
    assert "Days to first review: 3" in created.json["body"]
    # The form starts from the newest proposal and submits both days.
    login(contributor)
    form_url = f"/review/articles/{article.slug}/settings"
    page = client.get(form_url).text
    assert 'name="days_to_first_review" type="text" value="3"' in page
    assert 'name="days_to_signoff" type="text" value="14"' in page


# --- the queue: action needed, filters, paging --------------------------------------------


@pytest.fixture
def desk(make_article, contributor, editor, second_editor):
    """Four sections waiting: s1 submitted, s2 held by the editor, s3 changes requested,
    s4 awaiting sign-off (overdue); patient wording of s1 submitted too."""
    make_article(sections=4, patient=True, approve=(("summary", C),))
    transition(editor, newest("s2"), Action.START_REVIEW)
    transition(second_editor, newest("s3"), Action.START_REVIEW)
    transition(second_editor, newest("s3"), Action.REQUEST_CHANGES, "Préciser.")
    transition(second_editor, newest("s4"), Action.START_REVIEW)
    transition(second_editor, newest("s4"), Action.APPROVE)
    db.session.execute(
        update(Version)
        .where(Version.id == newest("s4").id)
        .values(due_at=utcnow() - timedelta(days=1))
    )
    db.session.commit()


def names(page: str) -> list[str]:
    return sorted(
        re.search(r"\((s\d+|summary)\)</span>, version", card).group(1) + ":" + audience
        for card in cards(page)
        for audience in re.findall(r"<dt>Kind</dt><dd>(\w+) wording", card)
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["s1:Clinician", "s1:Patient", "s2:Clinician", "s2:Patient", "s3:Clinician",
              "s3:Patient", "s4:Clinician", "s4:Patient", "summary:Patient"]),
        ("?state=under_review", ["s2:Clinician"]),
        ("?assignee=me", ["s2:Clinician"]),
        ("?state=submitted&assignee=unassigned", ["s1:Clinician", "s1:Patient", "s2:Patient",
                                                 "s3:Patient", "s4:Patient", "summary:Patient"]),
        ("?overdue=y", ["s4:Clinician"]),
        ("?state=changes_requested", ["s3:Clinician"]),
        ("?audience=patient&state=submitted", ["s1:Patient", "s2:Patient", "s3:Patient",
                                               "s4:Patient", "summary:Patient"]),
        ("?kind=settings", []),
        ("?article=test-article&state=awaiting_signoff", ["s4:Clinician"]),
        ("?article=no-such-article", []),
    ],
)  # fmt: skip
def test_queue_filters(client, login, desk, editor, query, expected):
    login(editor)
    response = client.get(f"/review/{query}")
    assert response.status_code == 200
    assert names(response.text) == expected


def test_queue_filter_by_holder_and_sort(client, login, desk, editor, second_editor):
    login(editor)
    page = client.get(f"/review/?assignee={second_editor.id}").text
    assert names(page) == ["s3:Clinician", "s4:Clinician"]
    oldest = [
        re.search(r"versions/(\d+)", card).group(1) for card in cards(client.get("/review/").text)
    ]
    newest_first = client.get("/review/?sort=newest").text
    assert [re.search(r"versions/(\d+)", c).group(1) for c in cards(newest_first)] == oldest[::-1]
    assert client.get("/review/?state=approved").status_code == 422
    assert client.get("/review/?assignee=999999").status_code == 422


def test_action_needed_for_each_role_and_the_counts_in_the_navigation(
    client, login, desk, editor, contributor, make_user
):
    login(editor)
    page = client.get("/review/").text
    needed = part(page, "action-heading")
    assert 'Assigned to you <span class="count">(1)</span>' in needed
    assert 'Submitted, held by nobody <span class="count">(6)</span>' in needed
    assert 'Overdue <span class="count">(1)</span>' in needed
    assert "Your versions with changes requested" not in needed
    # Assigned to the editor plus unclaimed submissions.
    assert re.search(r'Review queue <span class="nav-count">7<', page)
    login(contributor)
    page = client.get("/review/").text
    assert 'Your versions with changes requested <span class="count">(1)</span>' in page
    assert re.search(r'Review queue <span class="nav-count">1<', page)
    assert names(client.get("/review/?state=changes_requested&mine=y").text) == ["s3:Clinician"]
    member = make_user(Role.BOARD, Role.CONTRIBUTOR, name="Pr New Board")
    login(member)
    page = client.get("/review/").text
    assert 'Awaiting your signature <span class="count">(1)</span>' in page
    assert re.search(r'Board <span class="nav-count">1<', page)


def test_the_queue_is_paged_fifty_at_a_time(app, client, login):
    seed_catalogue(13, 4, batch=13)  # 13 articles × 4 waiting versions = 52
    bench_editor = db.session.scalar(select(User).where(User.email == "bench-editor@example.org"))
    login(bench_editor, BENCH_PASSWORD)
    first = client.get("/review/").text
    assert len(cards(first)) == 50
    assert "Showing 1 to 50 of 52" in first
    assert "Page 1 of 2" in first
    assert 'href="/review/?page=2" rel="next"' in first
    second = client.get("/review/?page=2").text
    assert len(cards(second)) == 2
    assert "Showing 51 to 52 of 52" in second
    filtered = client.get("/review/?state=submitted&page=2").text
    assert "Page 1 of 1" not in filtered  # one page only: no pager
    assert len(cards(filtered)) == 13
    assert "Showing 1 to 13 of 13" in filtered
    # Articles 3, 6, 9 and 12 are overdue: their three versions waiting on someone but the author.
    assert "Showing 1 to 12 of 12" in client.get("/review/?overdue=y").text


# --- query counts at 10 and 100 articles -----------------------------------------------------

QUEUE_URLS = [
    "/review/",
    "/review/?page=2",
    "/review/?sort=newest",
    "/review/?state=submitted",
    "/review/?state=changes_requested",
    "/review/?kind=wording&audience=clinician",
    "/review/?assignee=me",
    "/review/?assignee=unassigned",
    "/review/?overdue=y",
    "/review/?article=cat-1",
    "/review/?mine=y",
]


def _statement_counts(client, count_queries, urls: list[str]) -> dict[str, int]:
    counts = {}
    for url in urls:
        db.session.remove()  # each request starts from an empty session, as in production
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = counter.count
    return counts


def test_queue_and_overview_queries_do_not_grow_with_the_catalogue(
    app, client, login, make_user, count_queries
):
    seed_catalogue(10, 6, batch=10)
    login(make_user(Role.EDITOR, Role.CONTRIBUTOR, Role.BOARD, name="Dr Every Role"))
    urls = [*QUEUE_URLS, "/review/articles/cat-1"]
    small = _statement_counts(client, count_queries, urls)
    seed_catalogue(90, 6, batch=90, prefix="more")
    db.session.commit()
    large = _statement_counts(client, count_queries, urls)
    assert large == small
