"""Paper letters to invitees without email: their wording, and the short answer address they print.

An 80-character signed link cannot be typed from paper: the letter prints the site's host and
/c/<invitation id>-<8 characters>, which the short route below turns into the signed answer link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from babel.dates import format_date

from concertation.invitations.models import Invitation, LetterDue
from concertation.meetings.models import Meeting, MeetingStatus

SHORT_CODE_LENGTH = 8
DEFAULT_SIGNATORY = "Le Directeur de l'Aménagement du Territoire et de l'Économie"
DEFAULT_SIGNATORY_TITLE = "Pour la Présidente du Conseil départemental et par délégation,"
DEFAULT_PLACE = "Mende"

# Main quality (its beginning, as people.models.describe_quality writes it) -> how the letter addresses
# its holder, for a woman and for a man; the first match wins, so the longer beginnings come first.
_SALUTATIONS: tuple[tuple[str, str, str], ...] = (
    ("maire délégu", "Madame la Maire déléguée", "Monsieur le Maire délégué"),
    ("maire ", "Madame la Maire", "Monsieur le Maire"),
    ("adjoint", "Madame l'Adjointe", "Monsieur l'Adjoint"),
    ("vice-président", "Madame la Vice-présidente", "Monsieur le Vice-président"),
    ("président", "Madame la Présidente", "Monsieur le Président"),
    ("conseill", "Madame la Conseillère", "Monsieur le Conseiller"),
)


def salutation(civility: str, qualities: Sequence[str]) -> str:
    """ "Madame la Maire", "Monsieur le Président"...: by civility and main (first) quality.

    A conseiller départemental is "Monsieur le Conseiller départemental"; without a known civility,
    "Madame, Monsieur".
    """
    folded = civility.strip().lower()
    if folded.startswith(("mme", "madame")):
        feminine = True
    elif folded.startswith(("m.", "monsieur")) or folded == "m":
        feminine = False
    else:
        return "Madame, Monsieur"
    main = (qualities[0] if qualities else "").strip().lower()
    for start, woman, man in _SALUTATIONS:
        if main.startswith(start):
            words = woman if feminine else man
            if start == "conseill" and "départemental" in main:
                words += " départementale" if feminine else " départemental"
            return words
    return "Madame" if feminine else "Monsieur"


def letter_date(on: date) -> str:
    """ "3 décembre 2026", "1er mars 2027", as a French letter dates itself."""
    day = "1er" if on.day == 1 else str(on.day)
    return f"{day} {format_date(on, 'MMMM yyyy', locale='fr_FR')}"


def short_code(secret_key: str, invitation_id: int) -> str:
    """The 8 characters that make the printed address of one invitation unguessable."""
    digest = hmac.new(secret_key.encode(), f"letter:{invitation_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SHORT_CODE_LENGTH]


def read_short_code(secret_key: str, invitation_id: int, code: str) -> bool:
    return hmac.compare_digest(short_code(secret_key, invitation_id), code.upper())


def short_address(public_url: str, secret_key: str, invitation_id: int) -> str:
    """ "concertation.lozere.fr/c/12-ABCD2345": what a letter prints for the answer page."""
    parts = urlsplit(public_url)
    base = f"{parts.netloc}{parts.path.rstrip('/')}"
    return f"{base}/c/{invitation_id}-{short_code(secret_key, invitation_id)}"


@dataclass(frozen=True)
class Letter:
    invitation: Invitation
    kind: str  # "Invitation", "Modification" or "Annulation"
    salutation: str
    answer_address: str
    feed_url: str


def letter_kind(meeting: Meeting, invitation: Invitation) -> str:
    if meeting.status == MeetingStatus.ANNULEE or invitation.letter_due == LetterDue.ANNULATION:
        return "Annulation"
    if invitation.letter_due == LetterDue.MODIFICATION:
        return "Modification"
    return "Invitation"


def signatory(config: Mapping[str, Any]) -> dict[str, str]:
    """Who signs the letters (LETTER_SIGNATORY, LETTER_SIGNATORY_TITLE, LETTER_PLACE), with defaults."""
    return {
        "name": str(config.get("LETTER_SIGNATORY") or DEFAULT_SIGNATORY),
        "title": str(config.get("LETTER_SIGNATORY_TITLE") or DEFAULT_SIGNATORY_TITLE),
        "place": str(config.get("LETTER_PLACE") or DEFAULT_PLACE),
    }
