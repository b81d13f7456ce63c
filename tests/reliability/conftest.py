"""Fault runs against real processes on loopback: the `reliability` marker, reports, a big convocation."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import insert

from concertation import PROJECT_DIR
from concertation.extensions import db
from concertation.invitations.services import convoke
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.territory.models import Commune, Intercommunality, IntercommunalityMembership
from tests import factories as f

ARTIFACTS = PROJECT_DIR / "test-artifacts" / "reliability"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "reliability: fault runs against real processes on loopback (gunicorn, SMTP server, scheduler); "
        "each writes a report under test-artifacts/reliability/",
    )


@dataclass
class Report:
    """What a fault did, in a few lines a person can read; printed and saved when the test ends."""

    title: str
    database: str
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def render(self, outcome: str) -> str:
        body = "\n".join(f"- {line}" for line in self.lines)
        return f"# {self.title} ({self.database}) : {outcome}\n{body}\n"


@pytest.fixture()
def report(request: pytest.FixtureRequest, database_url: str) -> Iterator[Report]:
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    doc = (request.function.__doc__ or request.node.name).strip().splitlines()[0]
    found = Report(doc, database)
    yield found
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.skipped:
        return  # nothing happened: the skip reason is in pytest's summary
    outcome = "réussi" if call is not None and call.passed else "ÉCHEC"
    text = found.render(outcome)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{request.node.name}-{database}.txt").write_text(text, encoding="utf-8")
    print(f"\n{text}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's result on the item, so that the report fixture knows how the test ended."""
    result = yield
    setattr(item, f"rep_{result.when}", result)  # type: ignore[attr-defined]
    return result


def process_env(app: Flask, database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a real process of the application (gunicorn, scheduler, flask command)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "CONCERTATION_ENV": "production",
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_TIMEOUT": "3",
        "SCHEDULER_LOCK_RETRY_SECONDS": "0.2",
        **extra,
    }


FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


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
