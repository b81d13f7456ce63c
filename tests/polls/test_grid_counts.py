"""The grid's key counts and flags: who is available per slot among the people a date depends on."""

from __future__ import annotations

from flask import Flask

from concertation.extensions import db
from concertation.people.models import Person, Role
from concertation.polls.grid import build_grid, load_poll
from concertation.polls.models import PollChoice
from tests.common.db.meetings import meeting
from tests.common.db.people import gevaudan_elus, mandate, person
from tests.common.db.pollgrid import answer, sent_poll
from tests.common.db.territory import commune, epci

OUI, SI, NON = PollChoice.OUI, PollChoice.SI_NECESSAIRE, PollChoice.NON


def _by_name(elus: list[Person]) -> dict[str, Person]:
    return {elu.last_name: elu for elu in elus}


def test_counts_and_flags(app: Flask, lozere: None) -> None:
    concertation = meeting()
    elus = _by_name(gevaudan_elus(without_email=1))
    maires = [elu for name, elu in elus.items() if name.startswith("Maire")]
    departementaux = [elu for name, elu in elus.items() if name.startswith("CD")]
    # An adjoint of Montrodat who bears the name of the maire of Grèzes: he stands for Montrodat only.
    homonym = person("Maire48072", civility="M.")
    mandate(homonym, Role.ADJOINT, commune("48103"))
    # An adjointe of Antrenas known only by the quality she was asked with, typed with a typographic
    # apostrophe, and without email.
    adjointe = person("Roux", "Anne", civility="Mme", email=None)
    poll = sent_poll(
        concertation,
        [(homonym, ["Adjoint au maire de Montrodat"]), (adjointe, ["Adjointe au maire d’Antrenas"])],
    )
    first_cd = sorted(departementaux, key=lambda p: p.last_name)[0]
    # Slot 2: the président (maire of Marvejols), three maires and a conseillère départementale say no.
    said_no = {"Maire48092", "Maire48103", "Maire48005", "Maire48072", first_cd.last_name}
    for elu in [*maires, *departementaux]:
        answer(poll, elu, OUI, NON if elu.last_name in said_no else OUI)
    answer(poll, homonym, SI, SI)
    answer(poll, adjointe, OUI, SI)
    db.session.commit()

    grid = build_grid(load_poll(poll.id))  # type: ignore[arg-type]

    counts = {count.label: (count.available, count.total) for count in grid.key_counts}
    n_cd = len(departementaux)
    assert counts == {
        "Président(e) de la CC": ((1, 0, 0), 1),
        "Maires": ((12, 8, 0), 12),
        "Communes représentées (maire ou représentant)": ((12, 10, 0), 12),
        "Conseillers départementaux": ((n_cd, n_cd - 1, 0), n_cd),
    }
    assert grid.flags[0] == () and grid.flags[2] == ()
    assert grid.flags[1] == (
        f"La conseillère départementale Camille {first_cd.last_name} a répondu « Non ».",
        "Le président de la CC du Gévaudan, Camille Maire48092, a répondu « Non ».",
    )


def test_qualities_alone_name_a_commune_only_when_they_say_it_exactly(app: Flask, lozere: None) -> None:
    concertation = meeting()
    asked = [
        (person("Sans", "Mandat1", email=None), ["Maire de Marvejols"]),
        (person("Sans", "Mandat2"), ["Maire de Saint-Léger"]),  # no such commune: a prefix of one
        (person("Sans", "Mandat3", civility="Mme"), ["Présidente de la CC du Gévaudan"]),
        (person("Sans", "Mandat4"), ["Conseiller départemental (canton de Marvejols)"]),
        (person("Sans", "Mandat5", civility="Mme"), ["Présidente du Conseil départemental de la Lozère"]),
    ]
    poll = sent_poll(concertation, asked)
    for who, _ in asked:
        answer(poll, who, OUI, NON, None)
    db.session.commit()

    grid = build_grid(load_poll(poll.id))  # type: ignore[arg-type]

    counts = {count.label: (count.available, count.total) for count in grid.key_counts}
    assert counts == {
        "Président(e) de la CC": ((1, 0, 0), 1),
        "Maires": ((1, 0, 0), 1),
        "Communes représentées (maire ou représentant)": (
            (1, 0, 0),
            len(epci("244800470").communes_on(concertation.on)),
        ),
        "Conseillers départementaux": ((2, 0, 0), 2),
    }
    assert grid.flags[1] == (
        "La présidente de la CC du Gévaudan, Mandat3 Sans, a répondu « Non ».",
        "Le conseiller départemental Mandat4 Sans a répondu « Non ».",
        "La présidente du Conseil départemental, Mandat5 Sans, a répondu « Non ».",
    )
