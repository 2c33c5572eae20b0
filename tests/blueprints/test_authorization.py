"""Who may do what: every route, asked by every kind of account, against one expected matrix.

The matrix covers every rule in `app.url_map` (a test fails when a new route has no row), as
anonymous readers, contributors, editors, board members, admins, and a deactivated account
that held every role. Pages answer 302 to the sign-in page for anonymous and deactivated
visitors of protected pages and 403 for a wrong role; the API answers 401 without a valid
token and 403 for a wrong role. Form posts carry a valid CSRF token, so what is measured is
authorization, not CSRF (tests/test_security_headers.py covers that).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import url_for

from reviewapp.domain import part_chains
from reviewapp.domain.accounts import set_active
from reviewapp.domain.comments import add_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS
from reviewapp.domain.tokens import issue_token
from reviewapp.domain.versions import latest_version
from reviewapp.domain.withdrawals import withdraw
from reviewapp.extensions import db
from reviewapp.models import Article, Reference, Section, Version
from reviewapp.rules.states import Action, Audience, Role
from tests.conftest import TEST_PASSWORD, csrf_token, next_version

ANONYMOUS, DEACTIVATED = "anonymous", "deactivated"
CONTRIBUTOR, EDITOR, BOARD, ADMIN = (role.value for role in Role)
ACCOUNTS = (CONTRIBUTOR, EDITOR, BOARD, ADMIN)
ROLES = (ANONYMOUS, *ACCOUNTS, DEACTIVATED)

# An expected answer is a status code, or LOGIN: a redirect to the sign-in page.
# Any other 302 is the Post/Redirect/Get answer of a form that did its work.
LOGIN = "302 to sign-in"
FORBIDDEN, UNAUTHORIZED = 403, 401


def everyone(status: int) -> dict[str, int | str]:
    """Return the same answer for every visitor, signed in or not."""
    return dict.fromkeys(ROLES, status)


def page(status: int, *allowed: str) -> dict[str, int | str]:
    """Return a protected page's answers: `status` for `allowed` accounts, 403 for others."""
    return {ANONYMOUS: LOGIN, DEACTIVATED: LOGIN} | {
        role: status if role in allowed else FORBIDDEN for role in ACCOUNTS
    }


def api(status: int, *allowed: str) -> dict[str, int | str]:
    """Return an API operation's answers: 401 without a valid token, 403 for a wrong role."""
    return {ANONYMOUS: UNAUTHORIZED, DEACTIVATED: UNAUTHORIZED} | {
        role: status if role in allowed else FORBIDDEN for role in ACCOUNTS
    }


# (endpoint, method) → {role: expected answer}. Where a page lets a role through but the
# workflow refuses it (a contributor taking a review step, an admin commenting), the answer
# is still 403: what counts is what each role can do, wherever the rule lives.
MATRIX: dict[tuple[str, str], dict[str, int | str]] = {
    # Readers
    ("public.index", "GET"): everyone(200),
    ("public.article", "GET"): everyone(200),
    ("public.choose_audience", "GET"): everyone(303),
    ("public.changelog", "GET"): everyone(200),
    ("public.editorial_policy", "GET"): everyone(200),
    ("public.verify", "GET"): everyone(200),
    ("public.sitemap", "GET"): everyone(200),
    # Probes: no account needed (readyz is 503 because the test database is not migrated).
    ("ops.healthz", "GET"): everyone(200),
    ("ops.readyz", "GET"): everyone(503),
    # The audit trail's signed checkpoints and their public key: anyone may check them.
    ("transparency.checkpoints", "GET"): everyone(200),
    ("transparency.public_key", "GET"): everyone(200),
    # Signing in and out (an empty sign-in form is a 400 for anyone)
    ("auth.sign_in", "GET"): everyone(200),
    ("auth.sign_in", "POST"): everyone(400),
    ("auth.sign_out", "POST"): page(302, *ACCOUNTS),
    ("auth.change_password", "GET"): page(200, *ACCOUNTS),
    ("auth.change_password", "POST"): page(302, *ACCOUNTS),
    ("auth.account", "GET"): page(200, *ACCOUNTS),
    ("auth.issue_api_token", "POST"): page(200, *ACCOUNTS),
    # Someone else's token, as if it did not exist: only its owner may revoke it here.
    ("auth.revoke_api_token", "POST"): page(404, *ACCOUNTS),
    # Everyone signed in has an inbox and chooses what reaches them by email.
    ("inbox.index", "GET"): page(200, *ACCOUNTS),
    ("inbox.read", "POST"): page(302, *ACCOUNTS),
    ("inbox.preferences", "GET"): page(200, *ACCOUNTS),
    ("inbox.preferences", "POST"): page(302, *ACCOUNTS),
    # Review pages: contributors write, editors review
    ("editor.queue", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.overview", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.version", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.edit", "GET"): page(200, CONTRIBUTOR),
    ("editor.edit", "POST"): page(302, CONTRIBUTOR),
    ("editor.preview", "POST"): page(200, CONTRIBUTOR),
    # Holding work: claimed before the review starts on it, then given to another editor.
    ("editor.claim", "POST"): page(302, EDITOR),
    ("editor.act", "POST"): page(302, EDITOR),
    ("editor.assign", "POST"): page(302, EDITOR),
    ("editor.release", "POST"): page(302, EDITOR),
    ("editor.comment", "POST"): page(302, EDITOR),
    ("editor.resolve", "POST"): page(302, EDITOR),
    # Proposing the other parts of a page: contributors and editors alike
    ("editor.propose_front_matter", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.propose_front_matter", "POST"): page(302, CONTRIBUTOR, EDITOR),
    ("editor.propose_settings", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.propose_settings", "POST"): page(302, CONTRIBUTOR, EDITOR),
    ("editor.propose_outline", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.propose_outline", "POST"): page(302, CONTRIBUTOR, EDITOR),
    ("editor.propose_reference", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.propose_reference", "POST"): page(302, CONTRIBUTOR, EDITOR),
    ("editor.propose_new_reference", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.propose_new_reference", "POST"): page(302, CONTRIBUTOR, EDITOR),
    ("editor.site_texts", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.propose_site_text", "GET"): page(200, CONTRIBUTOR, EDITOR),
    ("editor.propose_site_text", "POST"): page(302, CONTRIBUTOR, EDITOR),
    # Board pages: history for editors too; signing, objecting and the audit trail for the board
    ("board.home", "GET"): page(200, BOARD),
    ("board.version", "GET"): page(200, BOARD, EDITOR),
    ("board.signed_record_pdf", "GET"): page(200, BOARD),
    ("board.article_history", "GET"): page(200, BOARD, EDITOR),
    ("board.section_history", "GET"): page(200, BOARD, EDITOR),
    ("board.chain_history", "GET"): page(200, BOARD, EDITOR),
    ("board.diff", "GET"): page(200, BOARD, EDITOR),
    ("board.audit", "GET"): page(200, BOARD),
    ("board.audit_export", "GET"): page(200, BOARD),
    ("board.sign", "POST"): page(302, BOARD),
    ("board.object_", "POST"): page(302, BOARD),
    # Withdrawal and retraction: editors take wording down; the board countersigns.
    ("withdrawals.withdraw", "GET"): page(200, EDITOR),
    ("withdrawals.withdraw", "POST"): page(302, EDITOR),
    ("withdrawals.retract", "GET"): page(200, EDITOR),
    ("withdrawals.retract", "POST"): page(302, EDITOR),
    ("withdrawals.show", "GET"): page(200, BOARD, EDITOR),
    ("withdrawals.countersign", "POST"): page(302, BOARD),
    # Admin pages
    ("admin.users", "GET"): page(200, ADMIN),
    ("admin.user", "GET"): page(200, ADMIN),
    ("admin.new_user", "GET"): page(200, ADMIN),
    ("admin.new_user", "POST"): page(302, ADMIN),
    ("admin.update_roles", "POST"): page(302, ADMIN),
    ("admin.deactivate", "POST"): page(302, ADMIN),
    ("admin.reactivate", "POST"): page(302, ADMIN),
    # A reset answers with the temporary password on the page itself, not a redirect.
    ("admin.reset_password", "POST"): page(200, ADMIN),
    # API: reading needs any active account's token
    ("api.openapi", "GET"): everyone(200),
    ("api.articles", "GET"): api(200, *ACCOUNTS),
    ("api.article", "GET"): api(200, *ACCOUNTS),
    ("api.versions", "GET"): api(200, *ACCOUNTS),
    ("api.version", "GET"): api(200, *ACCOUNTS),
    ("api.diff", "GET"): api(200, *ACCOUNTS),
    ("api.comments", "GET"): api(200, *ACCOUNTS),
    ("api.signoffs", "GET"): api(200, *ACCOUNTS),
    ("api.audit", "GET"): api(200, BOARD),
    ("api.pending", "GET"): api(200, *ACCOUNTS),
    ("api.pending_site_texts", "GET"): api(200, *ACCOUNTS),
    ("api.front_matter_versions", "GET"): api(200, *ACCOUNTS),
    ("api.settings_versions", "GET"): api(200, *ACCOUNTS),
    ("api.outline_versions", "GET"): api(200, *ACCOUNTS),
    ("api.reference_versions", "GET"): api(200, *ACCOUNTS),
    ("api.site_text_versions", "GET"): api(200, *ACCOUNTS),
    # API: writing follows the workflow's roles
    ("api.submit", "POST"): api(201, CONTRIBUTOR),
    ("api.claim", "POST"): api(200, EDITOR),
    ("api.assign", "POST"): api(200, EDITOR),
    ("api.release", "POST"): api(200, EDITOR),
    ("api.transition", "POST"): api(200, EDITOR),
    ("api.comment", "POST"): api(201, EDITOR, BOARD),
    ("api.resolve", "POST"): api(200, EDITOR),
    ("api.sign", "POST"): api(201, BOARD),
    ("api.objection", "POST"): api(200, BOARD),
    ("api.re_review", "POST"): api(200, EDITOR),
    ("api.withdrawal", "POST"): api(201, EDITOR),
    ("api.retraction", "POST"): api(201, EDITOR),
    ("api.get_withdrawal", "GET"): api(200, *ACCOUNTS),
    ("api.countersignature", "POST"): api(200, BOARD),
    # API: proposing the other parts of a page, as on the pages
    ("api.submit_front_matter", "POST"): api(201, CONTRIBUTOR, EDITOR),
    ("api.submit_settings", "POST"): api(201, CONTRIBUTOR, EDITOR),
    ("api.submit_outline", "POST"): api(201, CONTRIBUTOR, EDITOR),
    ("api.submit_reference", "POST"): api(201, CONTRIBUTOR, EDITOR),
    ("api.submit_site_text", "POST"): api(201, CONTRIBUTOR, EDITOR),
    # Declarations of interests: anyone may look; editors and board members declare, recuse
    # themselves or justify; every reader sees a reviewer's or signer's declaration.
    ("people.declaration", "GET"): everyone(200),
    ("auth.declaration", "GET"): page(200, *ACCOUNTS),
    ("auth.declaration", "POST"): page(302, EDITOR, BOARD),
    ("editor.interest", "POST"): page(302, EDITOR),
    ("board.interest", "POST"): page(302, BOARD),
    ("api.my_declaration", "GET"): api(200, *ACCOUNTS),
    ("api.declare", "PUT"): api(200, EDITOR, BOARD),
    ("api.interest_statement", "POST"): api(200, EDITOR, BOARD),
}


@dataclass
class World:
    """The rows the requests point at: each form post has a target of its own."""

    slug: str
    edit_chain: dict  # summary, clinician: the contributor's page edit
    api_chain: dict  # summary, patient: the contributor's API submission
    edit_base: int
    api_base: int
    section_id: int
    parent: int
    under_review: int
    submitted_for_page: int
    submitted_for_api: int
    sign_on_page: int
    object_on_page: int
    sign_by_api: int
    object_by_api: int
    comment_for_page: int
    comment_for_api: int
    account: int
    to_deactivate: int
    to_reactivate: int
    front_matter_chain: str
    approved_hash: str  # of approved wording, which anyone can verify
    editor: int  # the editor work is assigned to
    interest_on_page: int  # a version to recuse oneself from on the page
    foreign_token: int  # an API token of an account no visitor signs in as
    withdraw_on_page: int  # published wording each entry point withdraws
    withdraw_by_api: int
    retract_on_page: str  # an article of its own each entry point retracts
    retract_by_api: str
    countersign_on_page: int  # withdrawals the fixture's editor made, for the board
    countersign_by_api: int
    re_review_by_api: int  # published wording an editor opens a re-review of


# endpoint → (URL values, form or JSON body for POST). Bodies are what a permitted account
# would send to succeed, so that a permitted answer is the real one.
Route = tuple[Callable[[World], dict], Callable[[World], dict] | None]


def _no_values(_: World) -> dict:
    return {}


def _edit_form(w: World) -> dict:
    return {
        "heading": "Réponse",
        "body": "Résumé révisé [@ref-0].",
        "change_summary": "Précision.",
        "public_note": "Résumé précisé.",
        "base_version": str(w.edit_base),
        "intent": "submit",
    }


def _part(w: World, name: str, key: str = "") -> part_chains.Part:
    """Return one part of the world's article (or a site text), as it is now."""
    if name == "site_text":
        return part_chains.site_text_part(key)
    article = db.session.scalar(db.select(Article).where(Article.slug == w.slug))
    if name == "reference":
        reference = db.session.scalar(
            db.select(Reference).where(Reference.article_id == article.id, Reference.key == key)
        )
        return part_chains.reference_part(reference)
    return getattr(part_chains, f"{name}_part")(article)


def _base_id(w: World, name: str, key: str = "") -> int | None:
    """Return the newest version of a part when the request is made: what a form holds."""
    # Read when the request is made: an earlier request may have proposed a version since.
    db.session.expire_all()
    newest = _part(w, name, key).newest()
    return newest.id if newest is not None else None


def _base(w: World, name: str, key: str = "") -> str:
    found = _base_id(w, name, key)
    return "" if found is None else str(found)


def _section_keys(w: World) -> list[str]:
    article = db.session.scalar(db.select(Article).where(Article.slug == w.slug))
    return [section.key for section in part_chains.sections_of(article)]


def _front_matter_form(w: World) -> dict:
    return {
        "title": "Quelle est la question, précisée ?",
        "title_language": "",
        "language": "fr",
        "specialty": "oncology",
        "authors-0-name": "Dr Author",
        "authors-0-credentials": "MD, PhD",
        "authors-0-disclosures": "None declared",
        "authors-1-name": "",
        "change_summary": "Titre précisé.",
        "base_version_id": _base(w, "front_matter"),
        "intent": "submit",
    }


def _settings_form(w: World) -> dict:
    return {
        "publication": "approved-only",
        "required_signoffs": "1",
        "review_interval_months": "6",
        "change_summary": "Revue plus fréquente.",
        "base_version_id": _base(w, "settings"),
        "intent": "submit",
    }


def _outline_form(w: World) -> dict:
    rows = {}
    for index, key in enumerate(_section_keys(w)):
        rows |= {
            f"sections-{index}-key": key,
            f"sections-{index}-keep": "keep",
            f"sections-{index}-position": str(index + 1),
            f"sections-{index}-level": "1" if key == "summary" else "2",
        }
    return rows | {
        "new_key": "nouvelle-section",
        "new_level": "2",
        "change_summary": "Une section de plus.",
        "base_version_id": _base(w, "outline"),
        "intent": "submit",
    }


def _reference_form(w: World) -> dict:
    return {
        "kind": "guideline",
        "title": "Reference title 0, 2nd edition",
        "authors": "Smith J",
        "year": "2024",
        "change_summary": "Nouvelle édition.",
        "base_version_id": _base(w, "reference", "ref-0"),
        "intent": "submit",
    }


def _new_reference_form(w: World) -> dict:
    return {
        "key": "new-source",
        "kind": "article",
        "title": "A new source",
        "authors": "Doe A",
        "year": "2025",
        "intent": "submit",
    }


def _site_text_form(w: World) -> dict:
    return {
        "text": "Des informations générales, pas un avis médical.",
        "change_summary": "Plus court.",
        "base_version_id": _base(w, "site_text", SITE_TEXT),
        "intent": "submit",
    }


def _api_part(w: World, name: str, key: str = "") -> dict:
    return {
        "base_version_id": _base_id(w, name, key),
        "provenance": "tool:drafter 1.0",
        "change_summary": "Proposé par l'outil.",
    }


def _api_front_matter(w: World) -> dict:
    return _api_part(w, "front_matter") | {
        "title": "Quelle est la question, selon l'outil ?",
        "title_language": "",
        "language": "fr",
        "specialty": "",
        "authors": [{"name": "Dr Author", "credentials": "MD", "disclosures": "None declared"}],
    }


def _api_settings(w: World) -> dict:
    return _api_part(w, "settings") | {
        "publication": "approved-only",
        "required_signoffs": 1,
        "review_interval_months": 9,
    }


def _api_outline(w: World) -> dict:
    # Every section is kept but the last one, which retires: unlike the page's proposal.
    *kept, last = _section_keys(w)
    return _api_part(w, "outline") | {
        "sections": [{"key": key, "level": 1 if key == "summary" else 2} for key in kept],
        "retired": [last],
    }


def _api_reference(w: World) -> dict:
    return _api_part(w, "reference", "ref-1") | {
        "kind": "guideline",
        "title": "Reference title 1, by the tool",
        "authors": "Smith J",
        "year": 2021,
        "publisher": "",
        "url": "",
        "doi": "10.1000/test.1",
        "pmid": "",
        "accessed": "",
        "note": "",
    }


def _api_site_text(w: World) -> dict:
    return _api_part(w, "site_text", API_SITE_TEXT) | {"text": "Pour les professionnels."}


ROUTES: dict[str, Route] = {
    "public.index": (_no_values, None),
    "public.article": (lambda w: {"slug": w.slug, "audience": "patient"}, None),
    "public.choose_audience": (lambda w: {"slug": w.slug, "audience": "patient"}, None),
    "public.changelog": (lambda w: {"slug": w.slug}, None),
    "public.editorial_policy": (_no_values, None),
    "public.verify": (lambda w: {"content_hash": w.approved_hash}, None),
    "public.sitemap": (_no_values, None),
    "ops.healthz": (_no_values, None),
    "ops.readyz": (_no_values, None),
    "transparency.checkpoints": (_no_values, None),
    "transparency.public_key": (_no_values, None),
    "auth.sign_in": (_no_values, lambda w: {}),
    "auth.sign_out": (_no_values, lambda w: {}),
    "auth.change_password": (
        _no_values,
        lambda w: {
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    ),
    "auth.account": (_no_values, None),
    "auth.issue_api_token": (_no_values, lambda w: {"name": "pipeline", "expires_in_days": "30"}),
    "auth.revoke_api_token": (lambda w: {"token_id": w.foreign_token}, lambda w: {}),
    "inbox.index": (_no_values, None),
    "inbox.read": (_no_values, lambda w: {}),
    "inbox.preferences": (_no_values, lambda w: {}),
    "editor.queue": (_no_values, None),
    "editor.overview": (lambda w: {"slug": w.slug}, None),
    "editor.version": (lambda w: {"version_id": w.under_review}, None),
    "editor.edit": (lambda w: w.edit_chain, _edit_form),
    "editor.preview": (lambda w: w.edit_chain, _edit_form),
    "editor.act": (
        lambda w: {"version_id": w.submitted_for_page},
        lambda w: {"action": Action.START_REVIEW.value},
    ),
    "editor.comment": (
        lambda w: {"version_id": w.under_review},
        lambda w: {"comment": "Quelle source ?"},
    ),
    "editor.resolve": (lambda w: {"comment_id": w.comment_for_page}, lambda w: {}),
    "editor.claim": (lambda w: {"version_id": w.submitted_for_page}, lambda w: {}),
    "editor.assign": (
        lambda w: {"version_id": w.submitted_for_page},
        lambda w: {"assignee_id": w.editor},
    ),
    "editor.release": (lambda w: {"version_id": w.under_review}, lambda w: {}),
    "editor.propose_front_matter": (lambda w: {"slug": w.slug}, _front_matter_form),
    "editor.propose_settings": (lambda w: {"slug": w.slug}, _settings_form),
    "editor.propose_outline": (lambda w: {"slug": w.slug}, _outline_form),
    "editor.propose_reference": (lambda w: {"slug": w.slug, "key": "ref-0"}, _reference_form),
    "editor.propose_new_reference": (lambda w: {"slug": w.slug}, _new_reference_form),
    "editor.site_texts": (_no_values, None),
    "editor.propose_site_text": (lambda w: {"key": SITE_TEXT}, _site_text_form),
    "board.home": (_no_values, None),
    "board.version": (lambda w: {"version_id": w.under_review}, None),
    "board.signed_record_pdf": (lambda w: {"version_id": w.under_review}, None),
    "board.article_history": (lambda w: {"slug": w.slug}, None),
    "board.section_history": (
        lambda w: {"section_id": w.section_id, "audience": Audience.CLINICIAN.value},
        None,
    ),
    "board.chain_history": (lambda w: {"chain": w.front_matter_chain}, None),
    "board.diff": (lambda w: {"from": w.parent, "to": w.under_review}, None),
    "board.audit": (_no_values, None),
    "board.audit_export": (lambda w: {"fmt": "csv"}, None),
    "board.sign": (
        lambda w: {"version_id": w.sign_on_page},
        lambda w: {"password": TEST_PASSWORD, "meaning": MEANINGS[0]},
    ),
    "board.object_": (
        lambda w: {"version_id": w.object_on_page},
        lambda w: {"reason": "La posologie manque."},
    ),
    "withdrawals.withdraw": (
        lambda w: {"version_id": w.withdraw_on_page},
        lambda w: {"reason": "Alerte de sécurité.", "scope": "audience"},
    ),
    "withdrawals.retract": (
        lambda w: {"slug": w.retract_on_page},
        lambda w: {"reason": "Données rétractées."},
    ),
    "withdrawals.show": (lambda w: {"withdrawal_id": w.countersign_on_page}, None),
    "withdrawals.countersign": (
        lambda w: {"withdrawal_id": w.countersign_on_page},
        lambda w: {"password": TEST_PASSWORD},
    ),
    "admin.users": (_no_values, None),
    "admin.user": (lambda w: {"user_id": w.account}, None),
    "admin.new_user": (
        _no_values,
        lambda w: {
            "email": "new.account@example.org",
            "name": "Dr New Account",
            "password": "a long enough password",
            "roles": [EDITOR],
        },
    ),
    "admin.update_roles": (lambda w: {"user_id": w.account}, lambda w: {"roles": [EDITOR]}),
    "admin.deactivate": (lambda w: {"user_id": w.to_deactivate}, lambda w: {}),
    "admin.reactivate": (lambda w: {"user_id": w.to_reactivate}, lambda w: {}),
    "admin.reset_password": (lambda w: {"user_id": w.account}, lambda w: {}),
    "api.openapi": (_no_values, None),
    "api.articles": (_no_values, None),
    "api.article": (lambda w: {"slug": w.slug}, None),
    "api.versions": (lambda w: w.api_chain, None),
    "api.submit": (
        lambda w: w.api_chain,
        lambda w: {
            "heading": "Réponse (patient)",
            "body": "Des mots plus simples.",
            "base_version": w.api_base,
            "provenance": "tool:drafter 1.0",
            "change_summary": "Plus simple.",
            "public_note": "Texte simplifié.",
        },
    ),
    "api.version": (lambda w: {"version_id": w.under_review}, None),
    "api.diff": (lambda w: {"version_id": w.under_review}, None),
    "api.transition": (
        lambda w: {"version_id": w.submitted_for_api},
        lambda w: {"action": Action.START_REVIEW.value},
    ),
    # After the pages' turn: the page released under_review and gave submitted_for_page away.
    "api.claim": (lambda w: {"version_id": w.under_review}, lambda w: {}),
    "api.assign": (
        lambda w: {"version_id": w.submitted_for_api},
        lambda w: {"assignee_id": w.editor},
    ),
    "api.release": (lambda w: {"version_id": w.submitted_for_page}, lambda w: {}),
    "api.comments": (lambda w: {"version_id": w.under_review}, None),
    "api.comment": (lambda w: {"version_id": w.under_review}, lambda w: {"body": "Source ?"}),
    "api.resolve": (lambda w: {"comment_id": w.comment_for_api}, lambda w: {}),
    "api.signoffs": (lambda w: {"version_id": w.sign_by_api}, None),
    "api.sign": (
        lambda w: {"version_id": w.sign_by_api},
        lambda w: {"password": TEST_PASSWORD, "meaning": MEANINGS[0]},
    ),
    "api.objection": (
        lambda w: {"version_id": w.object_by_api},
        lambda w: {"reason": "La posologie manque."},
    ),
    "api.audit": (_no_values, None),
    "api.re_review": (lambda w: {"version_id": w.re_review_by_api}, lambda w: {}),
    "api.withdrawal": (
        lambda w: {"version_id": w.withdraw_by_api},
        lambda w: {"reason": "Alerte de sécurité."},
    ),
    "api.retraction": (
        lambda w: {"slug": w.retract_by_api},
        lambda w: {"reason": "Données rétractées."},
    ),
    "api.get_withdrawal": (lambda w: {"withdrawal_id": w.countersign_by_api}, None),
    "api.countersignature": (
        lambda w: {"withdrawal_id": w.countersign_by_api},
        lambda w: {"password": TEST_PASSWORD},
    ),
    "api.pending": (lambda w: {"slug": w.slug}, None),
    "api.pending_site_texts": (_no_values, None),
    "api.front_matter_versions": (lambda w: {"slug": w.slug}, None),
    "api.submit_front_matter": (lambda w: {"slug": w.slug}, _api_front_matter),
    "api.settings_versions": (lambda w: {"slug": w.slug}, None),
    "api.submit_settings": (lambda w: {"slug": w.slug}, _api_settings),
    "api.outline_versions": (lambda w: {"slug": w.slug}, None),
    "api.submit_outline": (lambda w: {"slug": w.slug}, _api_outline),
    "api.reference_versions": (lambda w: {"slug": w.slug, "key": "ref-1"}, None),
    "api.submit_reference": (lambda w: {"slug": w.slug, "key": "ref-1"}, _api_reference),
    "api.site_text_versions": (lambda w: {"key": API_SITE_TEXT}, None),
    "api.submit_site_text": (lambda w: {"key": API_SITE_TEXT}, _api_site_text),
    "people.declaration": (lambda w: {"person_id": w.editor}, None),
    "auth.declaration": (_no_values, lambda w: {"kind": "none"}),
    "editor.interest": (lambda w: {"version_id": w.interest_on_page}, lambda w: _recusal()),
    "board.interest": (lambda w: {"version_id": w.interest_on_page}, lambda w: _recusal()),
    "api.my_declaration": (_no_values, None),
    "api.declare": (_no_values, lambda w: {"kind": "none"}),
    # After every other step on it: the visitor takes no part in it from then on.
    "api.interest_statement": (lambda w: {"version_id": w.under_review}, lambda w: _recusal()),
}


def _recusal() -> dict:
    return {"kind": "recusal", "text": "Je connais l'auteur."}


# Changing one's password (signing needs the old one) and signing out end the visit, so they
# go last; every other post has a target of its own.
LAST = ("auth.sign_out", "POST")
ENDS_VISIT = (("auth.change_password", "POST"), LAST)
NEW_PASSWORD = "a new password, long enough"
SITE_TEXT = "disclaimer.patient"
API_SITE_TEXT = "disclaimer.clinician"


def routed(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_matrix_has_a_row_for_every_route(app):
    assert set(MATRIX) == routed(app), "add the route to MATRIX and ROUTES"
    assert {endpoint for endpoint, _ in MATRIX} == set(ROUTES)
    for (endpoint, method), answers in MATRIX.items():
        assert set(answers) == set(ROLES), endpoint
        assert method == "GET" or ROUTES[endpoint][1] is not None, f"{endpoint} needs a body"


def build_world(make_article, make_user, contributor, editor) -> World:
    """Create the article, versions in each state, comments and accounts the routes act on."""
    article = make_article(approve="all", patient=True, sections=4)
    sections = {s.key: s for s in db.session.scalars(db.select(Section))}
    c, p = Audience.CLINICIAN, Audience.PATIENT

    def awaiting(key: str, audience: Audience) -> int:
        version = next_version(contributor, sections[key], audience)
        transition(editor, version, Action.START_REVIEW)
        transition(editor, version, Action.APPROVE)
        return version.id

    under_review = next_version(contributor, sections["s2"], c)
    transition(editor, under_review, Action.START_REVIEW)
    comments = [add_comment(editor, under_review, f"Remarque {n}.") for n in (1, 2)]
    admin = make_user(Role.ADMIN)
    to_reactivate = make_user(Role.CONTRIBUTOR)
    set_active(admin, to_reactivate, False)
    world = World(
        slug=article.slug,
        edit_chain={"slug": article.slug, "key": "summary", "audience": c.value},
        api_chain={"slug": article.slug, "key": "summary", "audience": p.value},
        edit_base=latest_version(sections["summary"], c).id,
        api_base=latest_version(sections["summary"], p).id,
        section_id=sections["s2"].id,
        parent=under_review.parent_id,
        under_review=under_review.id,
        submitted_for_page=next_version(contributor, sections["s1"], c).id,
        submitted_for_api=next_version(contributor, sections["s1"], p).id,
        sign_on_page=awaiting("s2", p),
        object_on_page=awaiting("s3", c),
        sign_by_api=awaiting("s3", p),
        object_by_api=awaiting("s4", c),
        comment_for_page=comments[0].id,
        comment_for_api=comments[1].id,
        account=make_user(Role.CONTRIBUTOR).id,
        to_deactivate=make_user(Role.CONTRIBUTOR).id,
        to_reactivate=to_reactivate.id,
        front_matter_chain=part_chains.front_matter_part(article).chain,
        approved_hash=latest_version(sections["summary"], c).content_hash,
        editor=editor.id,
        interest_on_page=awaiting("s4", p),
        foreign_token=issue_token(None, make_user(Role.CONTRIBUTOR), "theirs", 30)[0].id,
        withdraw_on_page=sections["s1"].published_clinician_id,
        withdraw_by_api=sections["s1"].published_patient_id,
        retract_on_page=make_article(slug="retracted-on-page").slug,
        retract_by_api=make_article(slug="retracted-by-api").slug,
        countersign_on_page=_withdrawn(editor, sections["s3"]),
        countersign_by_api=_withdrawn(editor, sections["s4"]),
        re_review_by_api=sections["s2"].published_clinician_id,
    )
    db.session.commit()
    return world


def _withdrawn(editor, section: Section) -> int:
    """Withdraw a section's published clinician wording; return the withdrawal's id."""
    version = db.session.get(Version, section.published_clinician_id)
    return withdraw(editor, version, reason="Retirée par prudence.").id


@pytest.fixture
def world(make_article, make_user, contributor, editor) -> World:
    return build_world(make_article, make_user, contributor, editor)


def url(endpoint: str, world: World) -> str:
    """Return the path of `endpoint` for the rows of `world`."""
    values, _ = ROUTES[endpoint]
    return url_for(endpoint, **values(world), _external=False)


def answer(response) -> int | str:
    """Return the status, or LOGIN for a redirect to the sign-in page."""
    if response.status_code == 302 and urlsplit(response.location).path == "/sign-in":
        return LOGIN
    return response.status_code


class Visitor:
    """One visitor with one client: signed in through the form, holding an API token."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, endpoint: str, method: str, world: World, headers=None):
        path, body = url(endpoint, world), ROUTES[endpoint][1]
        if endpoint.startswith("api."):
            headers = self.headers if headers is None else headers
            if method == "GET":
                return self.client.get(path, headers=headers)
            return self.client.open(path, method=method, json=body(world), headers=headers)
        if method == "GET":
            return self.client.get(path)
        form = {**body(world), "csrf_token": csrf_token(self.client, "/sign-in")}
        if endpoint == "auth.issue_api_token":
            # The token form is sent once: it carries the request id of the page it is on.
            page = self.client.get("/account").text
            found = re.search(r'name="request_id" type="hidden" value="([^"]*)"', page)
            form["request_id"] = found.group(1) if found else ""
        return self.client.post(path, data=form)


@pytest.fixture
def visitor(client, login, make_user, api_token) -> Callable[[str], Visitor]:
    def make(role: str) -> Visitor:
        if role == ANONYMOUS:
            return Visitor(client, None)
        roles = list(Role) if role == DEACTIVATED else [Role(role)]
        user = make_user(*roles, name=f"Dr {role.title()}")
        assert answer(login(user)) != LOGIN
        token = api_token(user)
        if role == DEACTIVATED:
            # Signed in and holding a token, then deactivated: both must stop working at once.
            set_active(make_user(Role.ADMIN), user, False)
            db.session.commit()
        return Visitor(client, token)

    return make


def _in_order(rows):
    gets = [row for row in rows if row[1] == "GET"]
    posts = [row for row in rows if row[1] in ("POST", "PUT") and row not in ENDS_VISIT]
    return [*gets, *posts, *ENDS_VISIT]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says(role, world, visitor):
    who = visitor(role)
    wrong = []
    for endpoint, method in _in_order(MATRIX):
        expected = MATRIX[endpoint, method][role]
        got = answer(who.request(endpoint, method, world))
        if got != expected:
            wrong.append(f"{method} {endpoint}: expected {expected}, got {got}")
        if role == ANONYMOUS and endpoint.startswith("api.") and expected == UNAUTHORIZED:
            forged = {"Authorization": "Bearer rvw_not-a-token"}
            got = answer(who.request(endpoint, method, world, headers=forged))
            if got != UNAUTHORIZED:
                wrong.append(f"{method} {endpoint} with an unknown token: got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
