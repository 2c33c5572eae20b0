"""Public pages about the people who review and sign: their declarations of interests."""

from flask import Blueprint, abort, make_response, render_template, request

from reviewapp.readmodels.declarations import public_declaration
from reviewapp.rules.limits import MAX_ID
from reviewapp.web.templating import speak

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("/<int:person_id>/declaration")
def declaration(person_id: int):
    """Show a reviewer's or signer's declaration of interests in force, in plain words; the
    chrome in the language asked for (?lang=fr), as the article page that links here."""
    language = speak(request.args.get("lang"))
    found = public_declaration(person_id, language) if person_id <= MAX_ID else None
    if found is None:
        abort(404, f"There is no public declaration of interests for person {person_id}.")
    response = make_response(
        render_template("public/declaration.html", found=found, shared_page=True)
    )
    # The same for every reader; a new declaration shows through shared caches within a minute.
    response.headers["Cache-Control"] = "public, max-age=60, must-revalidate"
    response.shared_by_every_reader = True
    return response
