"""Schemathesis against the API's own OpenAPI document, in process (WSGI), with a bearer token.

The document is read from the application through its WSGI interface; each of its operations becomes
one test, called with generated requests, valid and invalid, on the Lozère territory with real élus,
meetings (draft, convoked, cancelled) and a syndicate, so that paths with ids also reach real objects.
An organiser never gets a 500, every answer is the one the document declares (status, content type,
body schema), and every refusal carries a French message. A lecteur gets 403 on every write.

`schemathesis.pytest.from_fixture` cannot be used: schemathesis 4.32 reads `Function._nodeid`, which
pytest 9.2 no longer has. The document does not depend on the database, so it is loaded once from an
app without one, and each request goes to the test's app (`app=`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from concertation import create_app
from concertation.accounts.models import UserRole
from concertation.accounts.services import create_user, issue_api_token
from concertation.api.errors import MESSAGES
from concertation.extensions import db
from concertation.invitations import services as invitation_services
from concertation.meetings import services as meeting_services
from concertation.meetings.composition import ensure_default_rules
from concertation.notifications.emails import MailContext
from concertation.territory.importer import load_lozere
from config import TestConfig
from tests.common import db as f
from tests.common.database import wipe
from tests.common.db import meetings as m
from tests.common.fuzz import english_words, leaves

SCHEMA_PATH = "/api/v1/openapi.json"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Bounded and deterministic: a few examples per operation and phase, the same ones on every run.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261126,
        "generation": {
            "max-examples": int(os.environ.get("FUZZ_MAX_EXAMPLES", "12")),
            "deterministic": True,
            "database": "none",
            # The token is the test's, sent with every request; a generated one would only test 401.
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
    }
)

schema = schemathesis.openapi.from_wsgi(
    SCHEMA_PATH, create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://"), config=CONFIG
)

# Ids of the objects the running test created, by path parameter name (filled by the `api` fixture).
REAL_IDS: dict[str, list[Any]] = {}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half of the generated ids are replaced by the id of a real object."""
    strategies = {
        name: st.one_of(st.just(value), st.sampled_from(REAL_IDS[name]))
        if REAL_IDS.get(name)
        else st.just(value)
        for name, value in (path_parameters or {}).items()
    }
    return st.fixed_dictionaries(strategies)


# Plausible bodies: a random part of one replaces the same keys of a generated body, so that requests
# also get past the shape checks into the services (real scope, future dates, real persons).
PLAUSIBLE_BODIES: dict[str, dict[str, Any]] = {
    "POST /api/v1/meetings": {
        "kind": "concertation",
        "scope": {"intercommunality": "244800470"},
        "title": "Concertation du Gévaudan",
        "purpose": "diagnostic",
        "starts_at": "2027-09-14T14:00:00",
        "ends_at": "2027-09-14T17:00:00+02:00",
        "location": {"name": "Salle des fêtes", "address": "Place du Soubeyran", "commune": "48092"},
        "agenda": ["Accueil", "Diagnostic du territoire"],
    },
    "PATCH /api/v1/meetings/{meeting_id}": {
        "title": "Concertation – nouvelle date",
        "starts_at": "2027-10-05T09:30:00",
        "ends_at": "2027-10-05T12:00:00",
        "location": {"commune": "48099"},
        "notify": True,
    },
    "POST /api/v1/syndicates": {
        "name": "Syndicat mixte des eaux de la Colagne",
        "siren": "254801234",
        "purpose": "Eau potable",
        "commune_codes": ["48092", "48103"],
        "intercommunality_sirens": ["244800470"],
    },
    "POST /api/v1/meetings/{meeting_id}/invitees": {"reason": "Partenaire du contrat"},
}


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Half of the dict bodies take a random part of a plausible body (and a real person)."""
    plausible = dict(PLAUSIBLE_BODIES.get(context.operation.label, {}))
    if context.operation.label.endswith("/invitees") and REAL_IDS.get("person_id"):
        plausible["person_id"] = REAL_IDS["person_id"][0]
    if not isinstance(body, dict) or not plausible:
        return st.just(body)
    keys = sorted(plausible)
    overrides = st.lists(st.sampled_from(keys), unique=True).map(
        lambda chosen: {k: plausible[k] for k in chosen}
    )
    return st.one_of(st.just(body), overrides.map(lambda chosen: {**body, **chosen}))


@schema.hook
def flatmap_query(context: Any, query: Any) -> Any:
    """Half of the generated person ids in a query (removal from a list) are real ones."""
    if not isinstance(query, dict) or "person_id" not in query or not REAL_IDS.get("person_id"):
        return st.just(query)
    real = st.sampled_from(REAL_IDS["person_id"]).map(lambda person_id: {**query, "person_id": person_id})
    return st.one_of(st.just(query), real)


def _objects(app: Flask) -> dict[str, list[Any]]:
    """Élus of the CC du Gévaudan, a syndicate, meetings in each state and a piece attached to the draft;
    their ids by kind."""
    persons = f.gevaudan_elus()
    syndicate = f.syndicate("SIVOM de la Colagne", communes=["48092", "48099"])
    draft = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    rendez_vous = f.meeting("rendez_vous", town="48095", starts_at=f.paris(2027, 5, 4, 18))
    convoked = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 4, 6, 14))
    cancelled = f.meeting("autre", siren=None, purpose="Visite", starts_at=f.paris(2027, 6, 1, 10))
    piece = m.piece(draft, Path(app.config["MEETING_DOCUMENTS_DIR"]))
    db.session.commit()
    invitation_services.convoke(convoked, MailContext.from_config(app.config))
    meeting_services.cancel_meeting(cancelled)
    db.session.commit()
    return {
        "meeting_id": [draft.id, rendez_vous.id, convoked.id, cancelled.id],
        "person_id": [person.id for person in persons],
        "syndicate_id": [syndicate.id],
        "document_id": [piece.id],
        "insee_code": ["48092", "48095", "48099"],
    }


@dataclass
class Api:
    """The app under test, on the Lozère territory with its objects, and two bearer tokens."""

    app: Flask
    organiser: dict[str, str]
    reader: dict[str, str]


@pytest.fixture(scope="module")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app for the whole module: loading the territory for each of the ~60 operation tests would
    cost more than the fuzzing itself. What the requests write accumulates: later operations meet the
    meetings and syndicates the earlier ones created, cancelled or convoked. Wiped at the end.

    No application context stays pushed: each request gets its own session, as in production."""
    mail = tmp_path_factory.mktemp("mail")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_CATCHER_DIR=str(mail),
        # Uploaded pieces go to a temporary folder, not to the project's instance folder.
        MEETING_DOCUMENTS_DIR=str(tmp_path_factory.mktemp("documents")),
    )
    with app.app_context():
        ensure_default_rules()
        load_lozere()
        db.session.commit()
        REAL_IDS.clear()
        REAL_IDS.update(_objects(app))
        tokens = {}
        for role in (UserRole.ORGANISATEUR, UserRole.LECTEUR):
            user = create_user(f"fuzz-{role.value}@lozere.fr", "mot-de-passe-du-fuzzing", role)
            tokens[role] = {"Authorization": f"Bearer {issue_api_token(user)}"}
        db.session.commit()
        db.session.remove()
    try:
        yield Api(app, tokens[UserRole.ORGANISATEUR], tokens[UserRole.LECTEUR])
    finally:
        with app.app_context():
            wipe()
            db.engine.dispose()


def french_errors(ctx: Any, response: Any, case: Any) -> None:
    """A refusal (4xx) is JSON whose message and field errors are French."""
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert isinstance(body, dict) and body.get("message"), f"refus sans message : {response.text[:300]}"
    # The values sent may be quoted in the message ("Aucune commune n'a le code INSEE is."): not English.
    sent = [*(case.path_parameters or {}).values(), *leaves(case.query or {}), *leaves(case.body)]
    for message in leaves({"message": body["message"], "errors": body.get("errors", {})}):
        found = english_words(message, ignore=sent)
        assert not found, f"message en anglais ({', '.join(sorted(found))}) : {message!r}"


def writes_forbidden(ctx: Any, response: Any, case: Any) -> None:
    """A lecteur reads; any write is a 403, whatever it sends (but an address that no route matches
    is a 404, and a method that the address does not have a 405)."""
    if case.method.upper() not in WRITE_METHODS or case.method.upper() != case.operation.method.upper():
        return
    # Werkzeug answers 405 rather than 404 to some ids beyond the converter's maximum.
    unroutable = (
        response.status_code in (404, 405)
        and response.json().get("message") == MESSAGES[response.status_code]
    )
    assert response.status_code == 403 or unroutable, f"{case.method} {case.path} -> {response.status_code}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    french_errors,
]


@schema.parametrize()
def test_api_as_organiser(case: schemathesis.Case, api: Api) -> None:
    case.call_and_validate(app=api.app, headers=api.organiser, checks=CHECKS)


@schema.include(method=["POST", "PATCH", "DELETE"]).parametrize()
def test_api_writes_as_reader(case: schemathesis.Case, api: Api) -> None:
    case.call_and_validate(app=api.app, headers=api.reader, checks=[*CHECKS, writes_forbidden])
