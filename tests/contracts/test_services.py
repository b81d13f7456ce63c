"""Contracts: creation, edition, diagnostic, signatories and documents."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from concertation.contracts.documents import add_document, delete_document, document_path
from concertation.contracts.enums import ContractStage, DiagnosticHeading, SignatoryKind
from concertation.contracts.exceptions import InvalidInput, NotAllowed
from concertation.contracts.models import Contract, ContractDocument, ContractEvent
from concertation.contracts.services import (
    ContractInput,
    SignatoryInput,
    add_signatory,
    create_contract,
    end_of_period,
    update_contract,
    update_diagnostic,
)
from concertation.contracts.settings import DocumentRules, document_rules
from concertation.extensions import db
from tests.common import db as f
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_new_contract_lasts_three_years_and_starts_at_the_diagnostic() -> None:
    contract = h.new_contract(envelope="1 250 000,50")
    db.session.commit()
    assert contract.title == "Contrat territorial CC du Gévaudan 2026-2028"
    assert (contract.starts_on, contract.ends_on) == (date(2026, 1, 1), date(2028, 12, 31))
    assert (
        contract.stage == ContractStage.DIAGNOSTIC
        and contract.stage_on(ContractStage.DIAGNOSTIC) == h.CREATED_ON
    )
    assert contract.envelope == Decimal("1250000.50")
    assert [s.name for s in contract.signatories] == ["Département de la Lozère", "CC du Gévaudan"]
    assert end_of_period(date(2024, 2, 29), 3) == date(2027, 2, 27)


def test_bad_contract_input_writes_nothing() -> None:
    with pytest.raises(InvalidInput) as refused:
        create_contract(ContractInput(intercommunality_siren="123456789", starts_on=None, envelope="-1"))
    assert refused.value.errors == {
        "intercommunality": "Communauté de communes inconnue : SIREN « 123456789 ».",
        "starts_on": "La date de début du contrat est obligatoire.",
        "envelope": "Un montant ne peut pas être négatif.",
    }
    with pytest.raises(InvalidInput) as refused:
        create_contract(ContractInput(h.GEVAUDAN, date(2026, 1, 1), date(2025, 1, 1), envelope="mille"))
    assert refused.value.errors == {
        "ends_on": "La fin du contrat doit être postérieure à son début.",
        "envelope": "Montant invalide : « mille » n'est pas un nombre (ex. 12 500,50).",
    }
    db.session.rollback()
    assert (_count(Contract), _count(ContractEvent)) == (0, 0)


def test_one_contract_per_territory_and_period() -> None:
    h.new_contract()
    with pytest.raises(InvalidInput, match="Un contrat couvre déjà cette période pour CC du Gévaudan"):
        create_contract(ContractInput(h.GEVAUDAN, date(2028, 6, 1)))
    later = create_contract(ContractInput(h.GEVAUDAN, date(2029, 1, 1)))
    assert later.ends_on == date(2031, 12, 31)
    assert create_contract(ContractInput(h.COEUR_DE_LOZERE, date(2026, 1, 1))).intercommunality.name == (
        "CC Coeur de Lozère"
    )


def test_no_contract_for_a_cc_of_another_departement() -> None:
    with pytest.raises(InvalidInput, match="CC de Millau Grands Causses est une intercommunalité d'un autre"):
        create_contract(ContractInput("241200567", date(2026, 1, 1)))


def test_edit_and_lock_after_signature() -> None:
    contract = h.new_contract()
    assert update_contract(contract, ContractInput(title="Contrat du Gévaudan", envelope="600 000")) == [
        "title",
        "envelope",
    ]
    signed = h.contract_at(ContractStage.SIGNE, siren=h.COEUR_DE_LOZERE)
    with pytest.raises(InvalidInput) as refused:
        update_contract(signed, ContractInput(starts_on=date(2026, 2, 1), envelope="1"))
    assert refused.value.errors == {
        "starts_on": "Le contrat est signé : sa période ne change plus.",
        "envelope": "Le contrat est signé : l'enveloppe ne change que par un avenant.",
    }
    closed = h.contract_at(ContractStage.CLOS, siren="200069102")
    with pytest.raises(NotAllowed, match="Le contrat est clos"):
        update_diagnostic(closed, {DiagnosticHeading.ATOUTS: "x"})


def test_diagnostic_headings() -> None:
    contract = h.new_contract()
    changed = update_diagnostic(
        contract, {DiagnosticHeading.ATOUTS: " Patrimoine\r\nnaturel ", DiagnosticHeading.ENJEUX: ""}
    )
    assert changed == ["Atouts (points forts)"]
    assert contract.diagnostic(DiagnosticHeading.ATOUTS) == "Patrimoine\nnaturel"


def test_signatories_belong_to_the_territory() -> None:
    contract = h.new_contract()
    colagne = f.syndicate("Syndicat d'AEP de la Colagne", communes=[h.MONTRODAT])
    add_signatory(contract, SignatoryInput(kind="commune", key=f"commune:{h.MARVEJOLS}"))
    add_signatory(contract, SignatoryInput(kind="syndicate", key=f"syndicate:{colagne.id}"))
    with pytest.raises(InvalidInput) as refused:
        add_signatory(contract, SignatoryInput(kind="commune", key=f"commune:{h.MENDE}"))
    assert refused.value.errors["body"].startswith("Mende n'appartient pas au territoire du contrat")
    with pytest.raises(InvalidInput, match="déjà signataire"):
        add_signatory(contract, SignatoryInput(kind="departement"))
    with pytest.raises(InvalidInput) as refused:
        add_signatory(
            contract,
            SignatoryInput(
                kind="commune",
                key=f"commune:{h.MONTRODAT}",
                deliberation_on=date(2025, 12, 5),
                signed_on=date(2025, 12, 1),
            ),
        )
    assert refused.value.errors == {"signed_on": "La signature ne peut pas précéder la délibération."}
    assert [s.kind for s in contract.signatories] == [
        SignatoryKind.DEPARTEMENT,
        SignatoryKind.INTERCOMMUNALITY,
        SignatoryKind.COMMUNE,
        SignatoryKind.SYNDICATE,
    ]
    signed = h.contract_at(ContractStage.SIGNE, siren=h.COEUR_DE_LOZERE)
    with pytest.raises(NotAllowed, match="la liste des signataires ne change plus"):
        add_signatory(signed, SignatoryInput(kind="commune", key=f"commune:{h.MENDE}"))


def test_documents_are_stored_with_safe_names_and_a_size_limit(tmp_path: Path) -> None:
    contract = h.new_contract()
    rules = DocumentRules(max_bytes=10, extensions=frozenset({"pdf", "txt"}))
    document = add_document(
        contract,
        title="",
        filename="../../Données INSEE.txt",
        stream=io.BytesIO(b"population"),
        folder=tmp_path,
        rules=rules,
    )
    db.session.commit()
    path = document_path(tmp_path, document)
    assert document.filename == "../../Données INSEE.txt".replace("../../", "").replace("é", "e").replace(
        " ", "_"
    )
    assert document.title == document.filename and document.content_type == "text/plain"
    assert path.parent == tmp_path / str(contract.id) and path.read_bytes() == b"population"
    assert path.name != document.filename and path.suffix == ".txt"
    for filename, content, message in (
        ("gros.pdf", b"x" * 11, "Fichier trop volumineux : 0,0\u00a0ko au maximum."),
        ("script.exe", b"x", "Type de fichier refusé : formats acceptés pdf, txt."),
        ("vide.pdf", b"", "Le fichier est vide."),
        ("", b"x", "Choisissez un fichier."),
    ):
        with pytest.raises(InvalidInput) as refused:
            add_document(
                contract,
                title="",
                filename=filename,
                stream=io.BytesIO(content),
                folder=tmp_path,
                rules=rules,
            )
        assert refused.value.errors == {"file": message}
    assert _count(ContractDocument) == 1 and len(list(path.parent.iterdir())) == 1
    assert delete_document(document, tmp_path) == path
    assert document_rules(
        {"CONTRACT_DOCUMENT_MAX_BYTES": "2048", "CONTRACT_DOCUMENT_EXTENSIONS": "PDF, .odt"}
    ) == (DocumentRules(2048, frozenset({"pdf", "odt"})))


def test_a_meeting_keeps_its_contract_until_the_contract_is_deleted() -> None:
    contract = h.new_contract()
    meeting = f.meeting()
    meeting.contract = contract
    db.session.commit()
    assert meeting.contract_id == contract.id and meeting.contract is contract
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce foreign keys here: ON DELETE SET NULL is checked on PostgreSQL")
    db.session.delete(contract)
    db.session.commit()
    db.session.expire_all()
    assert meeting.contract_id is None
