"""Who counts in a poll's key counts: the président(e) of the CC, the maires and those who can stand for
a commune (maire délégué, adjoint), the conseillers départementaux.

A recipient's standing comes from their mandates on the meeting's date (structured data), and also from
the qualities the poll recorded when it was sent, which still say who was asked as what when a mandate
has ended since or the person was added by hand with a quality text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from concertation.core.dated import valid_on
from concertation.core.text import fold
from concertation.extensions import db
from concertation.meetings.composition import Territory
from concertation.people.models import Mandate, Role, describe_quality, french_de
from concertation.polls.models import PollChoice, PollRecipient

# Those who can stand for their commune at a meeting.
COMMUNE_ROLES = (Role.MAIRE, Role.MAIRE_DELEGUE, Role.ADJOINT)
DEPARTEMENTAL_ROLES = (Role.CONSEILLER_DEPARTEMENTAL, Role.PRESIDENT_CONSEIL_DEPARTEMENTAL)
KEY_ROLES = (*COMMUNE_ROLES, Role.PRESIDENT_EPCI, *DEPARTEMENTAL_ROLES)
CIVILITIES = ("M.", "Mme")


@dataclass(frozen=True)
class KeyCount:
    """A count that matters for one slot, e.g. "Maires" 9 of 12 (`available` per slot, of `total`)."""

    label: str
    available: tuple[int, ...]
    total: int


@dataclass
class Standing:
    """What one recipient counts as: commune and EPCI ids, and whether they sit at the Département."""

    maire_of: set[int] = field(default_factory=set)
    represents: set[int] = field(default_factory=set)
    president_of: set[int] = field(default_factory=set)
    roles: set[Role] = field(default_factory=set)

    def add(self, role: Role, body_id: int | None) -> None:
        self.roles.add(role)
        if body_id is None:
            return
        if role in COMMUNE_ROLES:
            self.represents.add(body_id)
        if role is Role.MAIRE:
            self.maire_of.add(body_id)
        if role is Role.PRESIDENT_EPCI:
            self.president_of.add(body_id)

    @property
    def is_departemental(self) -> bool:
        return any(role in DEPARTEMENTAL_ROLES for role in self.roles)


def standings(recipients: Sequence[PollRecipient], territory: Territory, on: date) -> dict[int, Standing]:
    """Each recipient's standing (by recipient id), from their mandates on `on` and their qualities."""
    found: dict[int, Standing] = {recipient.id: Standing() for recipient in recipients}
    by_person: defaultdict[int, list[Standing]] = defaultdict(list)
    for recipient in recipients:
        by_person[recipient.person_id].append(found[recipient.id])
    for person_id, role, commune_id, epci_id in _key_mandates(list(by_person), on):
        for standing in by_person[person_id]:
            standing.add(role, commune_id if role in COMMUNE_ROLES else epci_id)
    wordings = _wordings(territory)
    for recipient in recipients:
        for quality in recipient.qualities or ():
            match = wordings.get(_plain(quality))
            if match is not None:
                found[recipient.id].add(*match)
            elif _plain(quality).startswith(_PRESIDENCY_PREFIXES):
                found[recipient.id].add(Role.PRESIDENT_CONSEIL_DEPARTEMENTAL, None)
            elif _plain(quality).startswith(_COUNCILLOR_PREFIXES):
                found[recipient.id].add(Role.CONSEILLER_DEPARTEMENTAL, None)
    return found


def _key_mandates(person_ids: list[int], on: date) -> Iterable[tuple[int, Role, int | None, int | None]]:
    if not person_ids:
        return []
    return db.session.execute(
        select(Mandate.person_id, Mandate.role, Mandate.commune_id, Mandate.intercommunality_id).where(
            Mandate.person_id.in_(person_ids), Mandate.role.in_(KEY_ROLES), valid_on(Mandate, on)
        )
    ).all()


def _plain(text: str) -> str:
    """Qualities compared as readers see them: no case, accents or typographic apostrophes."""
    return fold(text.replace("’", "'"))


_COUNCILLOR_PREFIXES = (_plain("Conseiller départemental"), _plain("Conseillère départementale"))
_PRESIDENCY_PREFIXES = (
    _plain("Président du Conseil départemental"),
    _plain("Présidente du Conseil départemental"),
)


def _wordings(territory: Territory) -> dict[str, tuple[Role, int]]:
    """The qualities the invitee list writes for the territory's communes and EPCIs, as the list writes
    them (describe_quality), to the role and body they name. A wording two bodies share names neither."""
    found: dict[str, tuple[Role, int]] = {}
    shared: set[str] = set()
    bodies = [(role, territory.communes) for role in COMMUNE_ROLES]
    bodies.append((Role.PRESIDENT_EPCI, territory.intercommunalities))
    for role, names in bodies:
        for body_id, name in names.items():
            for civility in CIVILITIES:
                wording = _plain(describe_quality(role, name, civility))
                if found.get(wording, (role, body_id)) != (role, body_id):
                    shared.add(wording)
                found[wording] = (role, body_id)
    return {wording: match for wording, match in found.items() if wording not in shared}


def feminine(civility: str) -> bool:
    return civility.strip().lower().startswith("mme")


def president_title(civility: str, epci_name: str) -> str:
    """ "Le président de la CC du Gévaudan", "La présidente …"."""
    return f"{'La présidente' if feminine(civility) else 'Le président'} {french_de(epci_name)}"


# ------------------------------------------------------------------------------------- counts and flags

AVAILABLE = (PollChoice.OUI, PollChoice.SI_NECESSAIRE)


@dataclass(frozen=True)
class Keyed:
    """A grid row's choices with what its recipient counts as."""

    name: str
    civility: str
    choices: tuple[PollChoice | None, ...]
    standing: Standing


def key_counts(keyed: Sequence[Keyed], territory: Territory, slots: int) -> tuple[KeyCount, ...]:
    """Per slot, how many key people are available ("Oui" or "Si nécessaire") out of how many.

    The président(e) of the CC counts out of the territory's EPCIs (1 for a concertation), the communes out
    of the territory's communes: a president or a commune missing from the list shows as unavailable. The
    maires and conseillers départementaux count out of those polled. A count with nothing to count is left
    out.
    """
    epcis = set(territory.intercommunalities)
    communes = set(territory.communes) or {c for k in keyed for c in k.standing.represents}
    maires = [k for k in keyed if k.standing.maire_of & communes]
    departementaux = [k for k in keyed if k.standing.is_departemental]
    counts = (
        KeyCount(
            "Président(e) de la CC" if len(epcis) == 1 else "Président(e)s des CC",
            _bodies(keyed, epcis, lambda s: s.president_of, slots),
            len(epcis),
        ),
        KeyCount("Maires", _people(maires, slots), len(maires)),
        KeyCount(
            "Communes représentées (maire ou représentant)",
            _bodies(keyed, communes, lambda s: s.represents, slots),
            len(communes),
        ),
        KeyCount("Conseillers départementaux", _people(departementaux, slots), len(departementaux)),
    )
    return tuple(count for count in counts if count.total)


def _people(keyed: Sequence[Keyed], slots: int) -> tuple[int, ...]:
    return tuple(sum(k.choices[i] in AVAILABLE for k in keyed) for i in range(slots))


def _bodies(
    keyed: Sequence[Keyed], bodies: set[int], held: Callable[[Standing], set[int]], slots: int
) -> tuple[int, ...]:
    """Per slot, how many of `bodies` have at least one available recipient holding them."""
    return tuple(
        len(bodies & {body for k in keyed if k.choices[i] in AVAILABLE for body in held(k.standing)})
        for i in range(slots)
    )


def flags(keyed: Sequence[Keyed], territory: Territory, slots: int) -> tuple[tuple[str, ...], ...]:
    """Per slot, one French sentence for each key person (the président(e) of the CC, a conseiller
    départemental) who answered "Non" to it."""
    sentences: list[tuple[str, ...]] = []
    for i in range(slots):
        said_no = [k for k in keyed if k.choices[i] is PollChoice.NON]
        sentences.append(tuple(sentence for k in said_no if (sentence := _flag(k, territory))))
    return tuple(sentences)


def _flag(keyed: Keyed, territory: Territory) -> str:
    presided = sorted(keyed.standing.president_of & set(territory.intercommunalities))
    if presided:
        title = president_title(keyed.civility, territory.intercommunalities[presided[0]])
        return f"{title}, {keyed.name}, a répondu « Non »."
    if Role.PRESIDENT_CONSEIL_DEPARTEMENTAL in keyed.standing.roles:
        title = "La présidente" if feminine(keyed.civility) else "Le président"
        return f"{title} du Conseil départemental, {keyed.name}, a répondu « Non »."
    if keyed.standing.is_departemental:
        title = "La conseillère départementale" if feminine(keyed.civility) else "Le conseiller départemental"
        return f"{title} {keyed.name} a répondu « Non »."
    return ""
