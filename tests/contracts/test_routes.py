"""Contract pages: forms with French errors (422, nothing written), actions, exports, read-only lecteur."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from concertation.accounts.models import User, UserRole
from concertation.contracts.demo import load_demo_contracts
from concertation.contracts.enums import ContractStage
from concertation.contracts.models import Amendment, Contract, ContractDocument, ContractEvent, ProjectSheet
from concertation.extensions import db
from tests.common.db import contracts as h
from tests.common.http import count_queries, csrf_token

pytestmark = pytest.mark.usefixtures("lozere")
Login = Callable[..., User]


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _post(
    client: FlaskClient, url: str, data: dict[str, Any], *, page: str | None = None, **kwargs: Any
) -> Any:
    data = {**data, "csrf_token": csrf_token(client, page or url)}
    return client.post(url, data=data, **kwargs)


def _text(response: Any) -> str:
    """The page's HTML with entities decoded and spaces (not the non-breaking ones) collapsed."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.get_data(as_text=True)))


def _project_form(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Maison de santé",
        "owner": f"commune:{h.MARVEJOLS}",
        "theme": "services",
        "is_investment": "y",
        "description": "Regrouper les soignants.",
        "estimated_cost": "950 000,00",
        "grant_requested": "190 000,50",
        "fundings-0-funder": "État (DETR)",
        "fundings-0-amount": "285 000",
        "fundings-1-funder": "",
        "fundings-1-amount": "",
        "priority": "1",
        "planned_year": "2027",
        "deliberation_on": "2025-10-20",
        "deliberation_reference": "DCM 2025-12",
    }
    data.update(overrides)
    return data


def test_create_a_contract_through_the_form(client: FlaskClient, login: Login) -> None:
    login()
    response = _post(
        client,
        "/contrats/nouveau",
        {
            "intercommunality": h.GEVAUDAN,
            "starts_on": "2027-01-01",
            "ends_on": "",
            "title": "",
            "envelope": "1 200 000",
        },
    )
    assert response.status_code == 303
    contract = db.session.scalars(select(Contract)).one()
    assert response.headers["Location"].endswith(f"/contrats/{contract.id}")
    assert (contract.ends_on, contract.envelope) == (date(2029, 12, 31), Decimal("1200000.00"))
    page = _text(client.get(f"/contrats/{contract.id}"))
    assert "Contrat territorial CC du Gévaudan 2027-2029" in page and "1\u00a0200\u00a0000,00\u00a0€" in page


def test_bad_contract_form_is_422_with_field_errors(client: FlaskClient, login: Login) -> None:
    login()
    response = _post(
        client,
        "/contrats/nouveau",
        {"intercommunality": "241200567", "starts_on": "2027-01-01", "envelope": "-5"},
    )
    assert response.status_code == 422
    page = _text(response)
    assert "CC de Millau Grands Causses est une intercommunalité d'un autre département" in page
    assert "Un montant ne peut pas être négatif." in page
    assert _count(Contract) == 0


def test_project_sheet_with_french_amounts(client: FlaskClient, login: Login) -> None:
    contract = h.contract_at(ContractStage.PROPOSITIONS)
    db.session.commit()
    login()
    url = f"/contrats/{contract.id}/projets/nouveau"
    response = _post(client, url, _project_form())
    assert response.status_code == 303, _text(response)
    project = db.session.scalars(select(ProjectSheet)).one()
    assert (project.estimated_cost, project.grant_requested) == (Decimal("950000.00"), Decimal("190000.50"))
    assert [(f.funder, f.amount) for f in project.fundings] == [("État (DETR)", Decimal("285000.00"))]
    page = _text(client.get(f"/contrats/{contract.id}/projets/{project.id}"))
    assert "190\u00a0000,50\u00a0€" in page and "Proposée le" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"estimated_cost": "-950 000"}, "Un montant ne peut pas être négatif."),
        (
            {"grant_requested": "beaucoup"},
            "Montant invalide : « beaucoup » n'est pas un nombre (ex. 12 500,50).",
        ),
        ({"fundings-1-funder": "Région", "fundings-1-amount": "-1"}, "Un montant ne peut pas être négatif."),
        ({"owner": f"commune:{h.MENDE}"}, "Mende n'appartient pas au territoire du contrat"),
        ({"theme": "culture"}, "Thème hors des six thématiques du règlement : « culture »."),
        ({"is_investment": ""}, "Seules les opérations d'investissement sont éligibles"),
    ],
)
def test_bad_project_input_is_422_and_writes_nothing(
    client: FlaskClient, login: Login, overrides: dict[str, str], message: str
) -> None:
    contract = h.contract_at(ContractStage.PROPOSITIONS)
    db.session.commit()
    events = _count(ContractEvent)
    login()
    data = _project_form(**overrides)
    if not overrides.get("is_investment", "y"):
        data.pop("is_investment")
    response = _post(client, f"/contrats/{contract.id}/projets/nouveau", data)
    assert response.status_code == 422
    page = _text(response)
    assert message in page and "Rien n'a été enregistré" in page
    assert 'class="invalid-feedback d-block"' in page
    assert (_count(ProjectSheet), _count(ContractEvent)) == (0, events)


def test_stage_page_lists_what_is_missing_then_moves_on(client: FlaskClient, login: Login) -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    db.session.commit()
    login()
    url = f"/contrats/{contract.id}/etape"
    page = _text(client.get(url))
    assert "Passer à l'étape « Signé »" in page
    assert "Pas de plan d'actions : retenez au moins une fiche projet dans le plan." in page
    response = _post(client, url, {"target": "signe", "on": "2025-12-15"})
    assert response.status_code == 422
    assert "Passage refusé" in _text(response)
    db.session.refresh(contract)
    assert contract.stage == ContractStage.NEGOCIATION

    h.prepare(contract, ContractStage.SIGNE)
    db.session.commit()
    response = _post(client, url, {"target": "signe", "on": "2025-12-15"})
    assert response.status_code == 303
    db.session.refresh(contract)
    assert (contract.stage, contract.stage_on(ContractStage.SIGNE)) == (
        ContractStage.SIGNE,
        date(2025, 12, 15),
    )


def test_plan_toggle_and_lock_after_signature(client: FlaskClient, login: Login) -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    project = contract.projects[0]
    db.session.commit()
    login()
    url = f"/contrats/{contract.id}/projets/{project.id}/plan"
    page = f"/contrats/{contract.id}"
    assert _post(client, url, {"action": "ajouter"}, page=page).status_code == 303
    db.session.refresh(project)
    assert project.is_in_plan
    h.prepare(contract, ContractStage.SIGNE)
    from concertation.contracts.stages import change_stage

    change_stage(contract, "signe", on=date(2025, 12, 15))
    db.session.commit()
    response = _post(client, url, {"action": "retirer"}, page=page, follow_redirects=True)
    assert "Le contrat est signé : son plan d'actions ne change que par un avenant." in _text(response)
    db.session.refresh(project)
    assert project.is_in_plan


def test_avenant_on_an_unsigned_contract_is_refused(client: FlaskClient, login: Login) -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    db.session.commit()
    login()
    url = f"/contrats/{contract.id}/avenants/nouveau"
    response = _post(client, url, {"dated_on": "2026-03-01", "reason": "Ajout"}, follow_redirects=True)
    assert "Un avenant ne concerne qu'un contrat signé ou en mise en œuvre" in _text(response)
    assert _count(Amendment) == 0


def test_avenant_through_the_pages(client: FlaskClient, login: Login) -> None:
    contract = h.contract_at(ContractStage.MISE_EN_OEUVRE)
    extra = h.new_project(contract, title="Aire de covoiturage", theme="voirie", estimated_cost="80 000")
    from concertation.contracts.projects import set_precheck

    set_precheck(extra, "conforme", on=date(2026, 2, 1))
    db.session.commit()
    login()
    response = _post(
        client,
        f"/contrats/{contract.id}/avenants/nouveau",
        {"dated_on": "2026-03-01", "reason": "Covoiturage"},
    )
    assert response.status_code == 303
    amendment = db.session.scalars(select(Amendment)).one()
    page = f"/contrats/{contract.id}/avenants/{amendment.id}"
    response = _post(
        client,
        f"{page}/modifications",
        {"kind": "add", "project": str(extra.id), "new_grant": "20 000,10"},
        page=page,
    )
    assert response.status_code == 303
    assert "projection" in _text(client.get(page))
    response = _post(
        client, f"{page}/signature", {"voted_on": "2026-03-10", "signed_on": "2026-03-05"}, page=page
    )
    assert response.status_code == 422
    assert "La signature ne peut pas précéder le vote." in _text(response)
    response = _post(
        client, f"{page}/signature", {"voted_on": "2026-03-10", "signed_on": "2026-03-12"}, page=page
    )
    assert response.status_code == 303
    text = _text(client.get(page))
    assert "30\u00a0000,00\u00a0€" in text and "50\u00a0000,10\u00a0€" in text
    db.session.refresh(extra)
    assert extra.is_in_plan and extra.grant_requested == Decimal("20000.10")


def test_documents_upload_and_download(app: Flask, client: FlaskClient, login: Login, tmp_path: Path) -> None:
    app.config.update(CONTRACT_DOCUMENTS_DIR=str(tmp_path), CONTRACT_DOCUMENT_MAX_BYTES=1000)
    contract = h.new_contract()
    db.session.commit()
    login()
    url = f"/contrats/{contract.id}/documents/nouveau"
    data = {"title": "Portrait INSEE", "file": (io.BytesIO(b"%PDF-1.4 statistiques"), "portrait insee.pdf")}
    response = _post(client, url, data, content_type="multipart/form-data")
    assert response.status_code == 303
    document = db.session.scalars(select(ContractDocument)).one()
    download = client.get(f"/contrats/{contract.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 statistiques"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    too_big = {"title": "", "file": (io.BytesIO(b"x" * 1001), "gros.pdf")}
    response = _post(client, url, too_big, content_type="multipart/form-data")
    assert response.status_code == 422 and "Fichier trop volumineux" in _text(response)
    assert _count(ContractDocument) == 1


def test_contract_page_chart_is_accessible_and_matches_the_table(client: FlaskClient, login: Login) -> None:
    contract = h.contract_at(ContractStage.SIGNE)
    db.session.commit()
    login(UserRole.LECTEUR)
    page = _text(client.get(f"/contrats/{contract.id}"))
    assert 'role="img" aria-labelledby="graphe-titre graphe-desc"' in page
    assert '<title id="graphe-titre">Aides du plan d\'actions par thème</title>' in page
    assert "Voirie : 30\u00a0000,00\u00a0€" in page
    assert re.search(r"<th scope=\"row\" class=\"fw-normal\">Voirie</th> <td class=\"text-end\">1</td>", page)
    # A lecteur sees no write action.
    assert "Modifier le contrat" not in page and "Nouvelle fiche projet" not in page


def test_exports(client: FlaskClient, login: Login) -> None:
    contract = h.contract_at(ContractStage.SIGNE)
    db.session.commit()
    login(UserRole.LECTEUR)
    response = client.get(f"/contrats/{contract.id}/maquette.csv")
    assert response.mimetype == "text/csv" and "172" not in response.headers["Content-Disposition"]
    assert "30000,00" in response.get_data(as_text=True)
    response = client.get(f"/contrats/{contract.id}/maquette.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book["Plan"]["B2"].value == "Réfection de la voirie communale"


def test_lecteur_reads_but_every_write_is_403(client: FlaskClient, login: Login) -> None:
    load_demo_contracts()
    db.session.commit()
    contract = db.session.scalars(
        select(Contract).where(Contract.stage == ContractStage.MISE_EN_OEUVRE)
    ).first()
    assert contract is not None
    project, amendment = contract.projects[0], contract.amendments[0]
    change, signatory, base = amendment.changes[0], contract.signatories[0], f"/contrats/{contract.id}"
    login(UserRole.LECTEUR)
    for url in (
        "/contrats/",
        base,
        f"{base}/historique",
        f"{base}/projets/{project.id}",
        f"{base}/avenants/{amendment.id}",
    ):
        assert client.get(url).status_code == 200, url
    token = csrf_token(client, base)
    writes = [
        "/contrats/nouveau",
        f"{base}/modifier",
        f"{base}/diagnostic",
        f"{base}/etape",
        f"{base}/signataires/nouveau",
        f"{base}/signataires/{signatory.id}",
        f"{base}/signataires/{signatory.id}/retrait",
        f"{base}/documents/nouveau",
        f"{base}/projets/nouveau",
        f"{base}/projets/{project.id}/modifier",
        f"{base}/projets/{project.id}/pre-instruction",
        f"{base}/projets/{project.id}/statut",
        f"{base}/projets/{project.id}/plan",
        f"{base}/avenants/nouveau",
        f"{base}/avenants/{amendment.id}/modifications",
        f"{base}/avenants/{amendment.id}/modifications/{change.id}/retrait",
        f"{base}/avenants/{amendment.id}/signature",
        f"{base}/avenants/{amendment.id}/suppression",
        f"{base}/reserve/nouveau",
    ]
    events = _count(ContractEvent)
    for url in writes:
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert _count(ContractEvent) == events


def test_pages_do_not_query_per_row(client: FlaskClient, login: Login) -> None:
    load_demo_contracts()
    db.session.commit()
    login(UserRole.LECTEUR)
    contracts = db.session.scalars(select(Contract)).all()
    with count_queries() as statements:
        client.get("/contrats/")
    assert len(statements) <= 8, statements
    sizes = {}
    for contract in contracts:
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(f"/contrats/{contract.id}").status_code == 200
        sizes[contract.id] = len(statements)
    assert max(sizes.values()) <= 25, sizes


@pytest.mark.parametrize("year", ["²²²²", "٢٠٢٧", "99999999999"])
def test_contract_list_ignores_a_year_that_is_not_ascii_digits(
    client: FlaskClient, login: Login, year: str
) -> None:
    login(UserRole.LECTEUR)
    assert client.get(f"/contrats/?annee={year}").status_code == 200
