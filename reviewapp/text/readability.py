"""Readability of patient wording, computed offline (textstat 0.7.8 with its bundled data)."""

from dataclasses import dataclass

from textstat.backend.metrics import flesch_reading_ease

# textstat's French coefficients are Kandel & Moles' (207 - 1.015 ASL - 73.6 ASW).
FORMULAS = {"fr": "Kandel–Moles", "en": "Flesch reading ease"}


@dataclass(frozen=True)
class Readability:
    formula: str
    score: float

    @property
    def band(self) -> str:
        """Describe the score in words (same scale for both formulas)."""
        if self.score >= 80:
            return "easy"
        if self.score >= 60:
            return "plain"
        if self.score >= 40:
            return "fairly difficult"
        return "difficult"


def readability(text: str, language: str) -> Readability | None:
    """Return the readability score for a language we have a formula for, else None."""
    root = language.split("-")[0].lower()
    if root not in FORMULAS or not text.strip():
        return None
    return Readability(FORMULAS[root], round(flesch_reading_ease(text, root), 1))
