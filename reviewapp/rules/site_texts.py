"""The site's texts as shipped: what a new site starts from (migration 0011 makes each the
approved version 1 of its chain), and what a page falls back to when a text has no row."""

from types import MappingProxyType

DEFAULTS = MappingProxyType(
    {
        "disclaimer.clinician": (
            "This information is intended for healthcare professionals. Any medical "
            "decision-making should rely on clinical judgment and independently verified "
            "information. The content provided herein does not replace professional discretion "
            "and should be considered supplementary to established clinical guidelines. "
            "Healthcare providers should verify all information against primary literature and "
            "current practice standards before application in patient care."
        ),
        "disclaimer.patient": (
            "This page explains a medical topic in everyday words. It is general information, "
            "not advice about your own situation, and it does not replace a conversation with "
            "your doctor or care team. Do not start, stop or change a treatment because of what "
            "you read here. If you have a worrying symptom, contact your care team or, in an "
            "emergency, call your local emergency number (15 or 112 in France)."
        ),
        # A French reader must be able to read the safety text: the page picks the text in
        # the article's language when the site ships or approved one.
        "disclaimer.clinician.fr": (
            "Ces informations sont destinées aux professionnels de santé. Toute décision "
            "médicale doit reposer sur le jugement clinique et sur des informations vérifiées "
            "de façon indépendante. Ce contenu ne remplace pas l’appréciation du professionnel "
            "et complète les recommandations de pratique clinique établies. Les professionnels "
            "de santé doivent vérifier toute information dans la littérature primaire et au "
            "regard des pratiques en vigueur avant de l’appliquer à la prise en charge d’un "
            "patient."
        ),
        "disclaimer.patient.fr": (
            "Cette page explique un sujet médical avec des mots simples. Ce sont des "
            "informations générales, pas un avis sur votre situation personnelle, et elles ne "
            "remplacent pas un échange avec votre médecin ou votre équipe soignante. Ne "
            "commencez, n’arrêtez ni ne modifiez un traitement à cause de ce que vous lisez "
            "ici. Si vous avez un symptôme inquiétant, contactez votre équipe soignante ou, en "
            "cas d’urgence, appelez le 15 (SAMU) ou le 112."
        ),
        "editorial_policy": """\
Every article on this site answers one clinical question. Its answer is written in sections,
and each section is reviewed on its own before readers see it as reviewed.

## How a section is reviewed

1. **Submitted.** A contributor, or a drafting tool named on the version, submits wording.
   Wording drafted by software is always marked as such for the reviewers.
2. **Under review.** A medical editor checks it against the references it cites. Editors
   may ask for changes or reject it. Nobody reviews wording they wrote themselves.
3. **Approved.** The editor approves, and the number of Medical Advisory Board members the
   article requires sign it electronically. Only then is it shown as reviewed.

## What the page shows

- The date of the latest approval ("Last updated") and when the next review is due.
  Approved wording is re-reviewed at least as often as the article's review interval;
  when a review is overdue, the page says so.
- Who reviewed and signed, with the date.
- Some articles show wording that is still waiting for review. Such wording is always
  marked "pending human review" and must not be relied on.
- Wording for patients and caregivers is written from the clinician wording and reviewed
  in the same way. Where it is not ready, the page shows the clinician wording and says so.

## References

Statements are tied to numbered references. A reference whose details are not yet verified
is marked incomplete rather than hidden.

## Corrections

Every change is kept in the article's history with its reason, and the public changelog
lists the approved changes by date.
""",
    }
)


def default_text(key: str) -> str:
    """Return the shipped wording of a site text; a language's disclaimer the site ships no
    text in starts from the audience's."""
    if key in DEFAULTS:
        return DEFAULTS[key]
    return DEFAULTS[key.rsplit(".", 1)[0]]


def shipped_languages(key: str) -> tuple[str, ...]:
    """Return the languages the site ships the text `key` in ("disclaimer.patient" -> fr)."""
    prefix = key + "."
    return tuple(other.removeprefix(prefix) for other in DEFAULTS if other.startswith(prefix))
