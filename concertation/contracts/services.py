"""Contract services: creation and edition, diagnostic, signatories. The caller commits.

Every function checks its input, raises a `ContractError` with a French message (nothing is written
then), and records what it changed in the contract's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from concertation.contracts.enums import ContractStage, DiagnosticHeading, EventKind, OwnerKind, SignatoryKind
from concertation.contracts.exceptions import InvalidInput, NotAllowed
from concertation.contracts.history import record_event
from concertation.contracts.models import DIAGNOSTIC_COLUMNS, Contract, Signatory, StageChange
from concertation.contracts.money import format_euros, parse_field
from concertation.contracts.origin import NO_ORIGIN, Origin
from concertation.contracts.scope import resolve_owner, territory_communes
from concertation.contracts.settings import DEFAULT_DURATION_YEARS, MAX_TEXT, MAX_TITLE
from concertation.core.numbers import format_number
from concertation.extensions import db
from concertation.territory.models import Intercommunality

LOZERE = "48"


@dataclass
class ContractInput:
    """A new contract or an edit: amounts as typed ("1 200 000,00") or Decimal."""

    intercommunality_siren: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    title: str = ""
    envelope: str | Decimal = "0"


def is_lozere_territory(epci: Intercommunality, on: date) -> bool:
    """True when most of the CC lies in the Lozère (not so for Millau Grands Causses and Le Rozier)."""
    members = territory_communes(epci.id, on)
    local = [c for c in members if c.departement_code == LOZERE]
    if not local:
        return False
    if epci.population:
        return sum(c.population or 0 for c in local) * 2 >= epci.population
    return len(local) * 2 >= len(members)


def end_of_period(starts_on: date, years: int) -> date:
    """The last day of a contract of `years` years: 01/01/2027 -> 31/12/2029."""
    try:
        anniversary = starts_on.replace(year=starts_on.year + years)
    except ValueError:  # 29 February
        anniversary = starts_on.replace(year=starts_on.year + years, day=28)
    return anniversary - timedelta(days=1)


def default_title(epci: Intercommunality, starts_on: date, ends_on: date) -> str:
    return f"Contrat territorial {epci.name} {starts_on.year}-{ends_on.year}"


def _check_period(
    errors: dict[str, str],
    epci: Intercommunality | None,
    starts_on: date | None,
    ends_on: date | None,
    *,
    exclude_id: int | None = None,
) -> None:
    if starts_on is None:
        errors["starts_on"] = "La date de début du contrat est obligatoire."
        return
    if ends_on is not None and ends_on <= starts_on:
        errors["ends_on"] = "La fin du contrat doit être postérieure à son début."
        return
    if epci is None or ends_on is None:
        return
    statement = select(Contract).where(
        Contract.intercommunality_id == epci.id, Contract.starts_on <= ends_on, Contract.ends_on >= starts_on
    )
    if exclude_id is not None:
        statement = statement.where(Contract.id != exclude_id)
    other = db.session.scalar(statement.limit(1))
    if other is not None:
        errors["starts_on"] = (
            f"Un contrat couvre déjà cette période pour {epci.name} : « {other.title} » "
            f"({other.starts_on:%d/%m/%Y} – {other.ends_on:%d/%m/%Y}). "
            "Un seul contrat par territoire et période."
        )


def create_contract(
    data: ContractInput,
    *,
    origin: Origin = NO_ORIGIN,
    duration_years: int = DEFAULT_DURATION_YEARS,
) -> Contract:
    """A new contract at the diagnostic stage, with the Département and the CC as first signatories."""
    errors: dict[str, str] = {}
    epci = db.session.scalar(
        select(Intercommunality).where(Intercommunality.siren == data.intercommunality_siren.strip())
    )
    if epci is None:
        errors["intercommunality"] = (
            f"Communauté de communes inconnue : SIREN « {data.intercommunality_siren.strip()} »."
            if data.intercommunality_siren.strip()
            else "Choisissez la communauté de communes du contrat."
        )
    elif data.starts_on is not None and not is_lozere_territory(epci, data.starts_on):
        errors["intercommunality"] = (
            f"{epci.name} est une intercommunalité d'un autre département : le contrat territorial "
            "concerne les communautés de communes de la Lozère."
        )
    ends_on = data.ends_on
    if ends_on is None and data.starts_on is not None:
        ends_on = end_of_period(data.starts_on, duration_years)
    _check_period(errors, epci, data.starts_on, ends_on)
    title = data.title.strip()
    if len(title) > MAX_TITLE:
        errors["title"] = f"Le titre dépasse {format_number(MAX_TITLE)} caractères."
    envelope = parse_field(errors, "envelope", data.envelope)
    if errors:
        raise InvalidInput(errors, "Contrat non enregistré")
    assert epci is not None and data.starts_on is not None and ends_on is not None and envelope is not None
    contract = Contract(
        intercommunality=epci,
        title=title or default_title(epci, data.starts_on, ends_on),
        starts_on=data.starts_on,
        ends_on=ends_on,
        stage=ContractStage.DIAGNOSTIC,
        envelope=envelope,
    )
    contract.stage_changes = [
        StageChange(
            from_stage=None, to_stage=ContractStage.DIAGNOSTIC, changed_on=origin.day(), user=origin.user
        )
    ]
    contract.signatories = [
        Signatory(kind=SignatoryKind.DEPARTEMENT),
        Signatory(kind=SignatoryKind.INTERCOMMUNALITY, intercommunality=epci),
    ]
    db.session.add(contract)
    db.session.flush()
    record_event(
        contract,
        kind=EventKind.CONTRACT,
        origin=origin,
        summary=f"Contrat créé : {contract.title}, du {contract.starts_on:%d/%m/%Y} au "
        f"{contract.ends_on:%d/%m/%Y}, enveloppe {format_euros(envelope)}.",
    )
    return contract


def _check_open(contract: Contract) -> None:
    if contract.stage == ContractStage.CLOS:
        raise NotAllowed("Le contrat est clos : il ne peut plus être modifié.")


def update_contract(contract: Contract, data: ContractInput, *, origin: Origin = NO_ORIGIN) -> list[str]:
    """Change the title, the period and the envelope; the names of the changed fields are returned.

    Once signed, the period and the envelope are those of the signed contract (an avenant can change the
    envelope).
    """
    _check_open(contract)
    errors: dict[str, str] = {}
    title = data.title.strip() or contract.title
    if len(title) > MAX_TITLE:
        errors["title"] = f"Le titre dépasse {format_number(MAX_TITLE)} caractères."
    starts_on = data.starts_on or contract.starts_on
    ends_on = data.ends_on or contract.ends_on
    envelope = parse_field(errors, "envelope", data.envelope)
    signed = contract.stage.is_signed
    if signed and (starts_on, ends_on) != (contract.starts_on, contract.ends_on):
        errors["starts_on"] = "Le contrat est signé : sa période ne change plus."
    if signed and envelope is not None and envelope != contract.envelope:
        errors["envelope"] = "Le contrat est signé : l'enveloppe ne change que par un avenant."
    if "starts_on" not in errors:
        _check_period(errors, contract.intercommunality, starts_on, ends_on, exclude_id=contract.id)
    if errors:
        raise InvalidInput(errors, "Contrat non modifié")
    assert envelope is not None
    before = {
        "title": contract.title,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
        "envelope": str(contract.envelope),
    }
    contract.title, contract.starts_on, contract.ends_on, contract.envelope = (
        title,
        starts_on,
        ends_on,
        envelope,
    )
    after = {
        "title": title,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "envelope": str(envelope),
    }
    changed = [name for name in before if before[name] != after[name]]
    if changed:
        labels = {"title": "titre", "starts_on": "début", "ends_on": "fin", "envelope": "enveloppe"}
        record_event(
            contract,
            kind=EventKind.CONTRACT,
            origin=origin,
            summary="Contrat modifié : " + ", ".join(labels[name] for name in changed) + ".",
            details={name: {"avant": before[name], "après": after[name]} for name in changed},
        )
    db.session.flush()
    return changed


def update_diagnostic(
    contract: Contract,
    texts: dict[DiagnosticHeading, str],
    *,
    evaluation: str | None = None,
    origin: Origin = NO_ORIGIN,
) -> list[str]:
    """Replace the text of some diagnostic headings (and the evaluation); returns the changed headings."""
    _check_open(contract)
    errors: dict[str, str] = {}
    for heading, text in texts.items():
        if len(text) > MAX_TEXT:
            errors[heading.value] = f"« {heading.label} » dépasse {format_number(MAX_TEXT)} caractères."
    if evaluation is not None and len(evaluation) > MAX_TEXT:
        errors["evaluation"] = f"L'évaluation dépasse {format_number(MAX_TEXT)} caractères."
    if errors:
        raise InvalidInput(errors, "Diagnostic non enregistré")
    changed: list[str] = []
    for heading, text in texts.items():
        column = DIAGNOSTIC_COLUMNS[heading]
        cleaned = text.strip().replace("\r\n", "\n")
        if getattr(contract, column) != cleaned:
            setattr(contract, column, cleaned)
            changed.append(heading.label)
    if evaluation is not None and evaluation.strip().replace("\r\n", "\n") != contract.evaluation:
        contract.evaluation = evaluation.strip().replace("\r\n", "\n")
        changed.append("Évaluation")
    if changed:
        record_event(
            contract,
            kind=EventKind.DIAGNOSTIC,
            origin=origin,
            summary="Diagnostic mis à jour : " + ", ".join(changed) + ".",
            details={"rubriques": changed},
        )
    return changed


# --- Signatories --------------------------------------------------------------------------------------


@dataclass
class SignatoryInput:
    """A signatory: its body (`key` as in scope.Owner, ignored for the Département) and its dates."""

    kind: str = ""
    key: str = ""
    deliberation_on: date | None = None
    deliberation_reference: str = ""
    signed_on: date | None = None


def _check_dates(errors: dict[str, str], data: SignatoryInput, today: date) -> None:
    if data.deliberation_on and data.deliberation_on > today:
        errors["deliberation_on"] = "La date de délibération ne peut pas être dans le futur."
    if data.signed_on and data.signed_on > today:
        errors["signed_on"] = "La date de signature ne peut pas être dans le futur."
    if data.signed_on and not data.deliberation_on:
        errors["deliberation_on"] = (
            "Un partenaire signe après avoir délibéré : indiquez la date de délibération."
        )
    elif data.signed_on and data.deliberation_on and data.signed_on < data.deliberation_on:
        errors["signed_on"] = "La signature ne peut pas précéder la délibération."
    if len(data.deliberation_reference) > 200:
        errors["deliberation_reference"] = "La référence dépasse 200 caractères."


def add_signatory(contract: Contract, data: SignatoryInput, *, origin: Origin = NO_ORIGIN) -> Signatory:
    """Add a commune or a syndicat of the territory (or the Département, the CC if missing)."""
    _check_open(contract)
    if contract.stage.is_signed:
        raise NotAllowed("Le contrat est signé : la liste des signataires ne change plus.")
    errors: dict[str, str] = {}
    signatory = Signatory(kind=SignatoryKind.DEPARTEMENT)
    if data.kind != SignatoryKind.DEPARTEMENT:
        owner = resolve_owner(contract, data.key)
        if isinstance(owner, str):
            errors["body"] = owner.replace("le maître d'ouvrage", "le signataire")
        else:
            signatory.kind = SignatoryKind(owner.kind.value)
            if owner.kind is OwnerKind.COMMUNE:
                signatory.commune_id = owner.id
            elif owner.kind is OwnerKind.INTERCOMMUNALITY:
                signatory.intercommunality_id = owner.id
            else:
                signatory.syndicate_id = owner.id
    _check_dates(errors, data, origin.day())
    if not errors and any(s.body_key == signatory.body_key for s in contract.signatories):
        errors["body"] = "Ce partenaire est déjà signataire du contrat."
    if errors:
        raise InvalidInput(errors, "Signataire non ajouté")
    signatory.deliberation_on = data.deliberation_on
    signatory.deliberation_reference = data.deliberation_reference.strip()
    signatory.signed_on = data.signed_on
    contract.signatories.append(signatory)
    db.session.flush()
    record_event(
        contract, kind=EventKind.SIGNATORY, origin=origin, summary=f"Signataire ajouté : {signatory.name}."
    )
    return signatory


def update_signatory(signatory: Signatory, data: SignatoryInput, *, origin: Origin = NO_ORIGIN) -> None:
    """Record a signatory's deliberation and signature dates."""
    contract = signatory.contract
    _check_open(contract)
    if contract.stage.is_signed:
        raise NotAllowed("Le contrat est signé : les délibérations et signatures ne changent plus.")
    errors: dict[str, str] = {}
    _check_dates(errors, data, origin.day())
    if errors:
        raise InvalidInput(errors, "Signataire non modifié")
    signatory.deliberation_on = data.deliberation_on
    signatory.deliberation_reference = data.deliberation_reference.strip()
    signatory.signed_on = data.signed_on
    parts = []
    if data.deliberation_on:
        parts.append(f"délibération du {data.deliberation_on:%d/%m/%Y}")
    if data.signed_on:
        parts.append(f"signature le {data.signed_on:%d/%m/%Y}")
    record_event(
        contract,
        kind=EventKind.SIGNATORY,
        origin=origin,
        summary=f"{signatory.name} : " + (", ".join(parts) if parts else "dates effacées") + ".",
    )


def remove_signatory(signatory: Signatory, *, origin: Origin = NO_ORIGIN) -> None:
    """Remove a commune or syndicat; the Département and the CC always sign."""
    contract = signatory.contract
    _check_open(contract)
    if contract.stage.is_signed:
        raise NotAllowed("Le contrat est signé : la liste des signataires ne change plus.")
    if signatory.kind in (SignatoryKind.DEPARTEMENT, SignatoryKind.INTERCOMMUNALITY) and (
        signatory.intercommunality_id in (None, contract.intercommunality_id)
    ):
        raise NotAllowed("Le Département et la communauté de communes signent toujours le contrat.")
    name = signatory.name
    contract.signatories.remove(signatory)
    db.session.flush()
    record_event(contract, kind=EventKind.SIGNATORY, origin=origin, summary=f"Signataire retiré : {name}.")
