"""Invitation factories: a big convocation, written in bulk, for the fault runs."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import insert

from concertation.extensions import db
from concertation.invitations.services import convoke
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.territory.models import Commune, Intercommunality, IntercommunalityMembership
from tests.common import db as f


def big_convocation(app: Flask, invitees: int, *, code: str = "R") -> Meeting:
    """A concertation on an intercommunality of `invitees` communes, each with a maire who has an address,
    convoked: `invitees` invitations and as many outbox rows, committed."""
    communes = list(
        db.session.scalars(
            insert(Commune).returning(Commune.id, sort_by_parameter_order=True),
            [
                {
                    "insee_code": f"{code}{n:04d}",
                    "name": f"Commune {code}{n}",
                    "departement_code": "98",
                    "postal_codes": "",
                }
                for n in range(invitees)
            ],
        )
    )
    siren = f"99{ord(code):03d}0000"[:9]
    epci = db.session.scalar(
        insert(Intercommunality).returning(Intercommunality.id),
        {"siren": siren, "name": f"CC d'essai {code}", "kind": "CC"},
    )
    db.session.execute(
        insert(IntercommunalityMembership),
        [{"intercommunality_id": epci, "commune_id": c, "starts_on": date(2017, 1, 1)} for c in communes],
    )
    persons = list(
        db.session.scalars(
            insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [
                {
                    "first_name": "Camille",
                    "last_name": f"Maire-{code}{n}",
                    "email": f"maire.{code}{n}@example.org",
                }
                for n in range(invitees)
            ],
        )
    )
    mandate = {"starts_on": date(2026, 3, 22), "source": MandateSource.MANUAL.value, "function_label": ""}
    db.session.execute(
        insert(Mandate),
        [
            {**mandate, "person_id": p, "role": Role.MAIRE.value, "commune_id": c}
            for p, c in zip(persons, communes, strict=True)
        ],
    )
    db.session.commit()
    meeting = f.meeting("concertation", siren=siren, starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    sent = convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    assert sent.emails == invitees, sent
    return meeting
