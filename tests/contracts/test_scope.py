"""The bodies of a contract's territory (contracts/scope.py): the CC, its communes at the contract's start,
the syndicates with a member in it, and the French reason when a project owner is not one of them."""

from __future__ import annotations

from datetime import date

import pytest

from concertation.contracts.enums import OwnerKind
from concertation.contracts.scope import (
    Owner,
    project_owner_key,
    resolve_owner,
    territory_communes,
    territory_owners,
    territory_syndicates,
)
from concertation.core.text import sort_key
from concertation.extensions import db
from tests.common import db as f
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")
NOT_IN_TERRITORY = (
    "n'appartient pas au territoire du contrat (CC du Gévaudan au 01/01/2026) : le maître d'ouvrage doit "
    "être une commune, la communauté de communes ou un syndicat de ce territoire."
)


def test_the_owners_are_the_cc_then_its_communes_then_its_syndicates_by_french_name() -> None:
    contract = h.new_contract()
    sictom = f.syndicate("SICTOM du Gévaudan", epcis=[h.GEVAUDAN])
    aep = f.syndicate("Syndicat d'AEP de la Colagne", communes=[h.MONTRODAT])
    owners = territory_owners(contract)
    assert owners[0] == Owner(
        OwnerKind.INTERCOMMUNALITY, contract.intercommunality.id, h.GEVAUDAN, "CC du Gévaudan"
    )
    communes = [owner for owner in owners if owner.kind is OwnerKind.COMMUNE]
    assert [c.name for c in communes] == sorted((c.name for c in communes), key=sort_key)
    assert {c.code for c in communes} >= {h.MARVEJOLS, h.MONTRODAT} and h.MENDE not in {
        c.code for c in communes
    }
    assert owners[-2:] == [
        Owner(OwnerKind.SYNDICATE, sictom.id, str(sictom.id), "SICTOM du Gévaudan"),
        Owner(OwnerKind.SYNDICATE, aep.id, str(aep.id), "Syndicat d'AEP de la Colagne"),
    ]
    assert len(owners) == 1 + len(communes) + 2


def test_owner_key_and_label() -> None:
    owner = Owner(OwnerKind.COMMUNE, 1, "48092", "Marvejols")
    assert owner.key == "commune:48092"
    assert owner.label == "Marvejols (commune)"
    assert Owner(OwnerKind.INTERCOMMUNALITY, 2, h.GEVAUDAN, "CC du Gévaudan").label == (
        "CC du Gévaudan (communauté de communes)"
    )


def test_territory_communes_follow_the_memberships_of_the_day() -> None:
    gevaudan = f.epci(h.GEVAUDAN)
    marvejols = f.commune(h.MARVEJOLS)
    for membership in marvejols.memberships:
        membership.ends_on = date(2025, 12, 31)
    db.session.flush()
    assert marvejols in territory_communes(gevaudan.id, date(2025, 12, 31))
    assert marvejols not in territory_communes(gevaudan.id, date(2026, 1, 1))


def test_a_syndicate_is_listed_once_whatever_its_members_in_the_territory() -> None:
    gevaudan = f.epci(h.GEVAUDAN)
    both = f.syndicate("SIVOM", communes=[h.MARVEJOLS, h.MONTRODAT], epcis=[h.GEVAUDAN])
    f.syndicate("SIVU du Valdonnez", communes=[h.MENDE])
    communes = [f.commune(h.MARVEJOLS).id, f.commune(h.MONTRODAT).id]
    assert territory_syndicates(gevaudan.id, communes) == [both]
    assert territory_syndicates(gevaudan.id, []) == [both]


def test_resolve_owner_returns_the_owner_of_the_territory() -> None:
    contract = h.new_contract()
    owner = resolve_owner(contract, f" commune:{h.MARVEJOLS} ")
    assert isinstance(owner, Owner) and (owner.kind, owner.name) == (OwnerKind.COMMUNE, "Marvejols")
    cc = resolve_owner(contract, f"intercommunality:{h.GEVAUDAN}")
    assert isinstance(cc, Owner) and cc.name == "CC du Gévaudan"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (f"commune:{h.MENDE}", f"Mende {NOT_IN_TERRITORY}"),
        (f"intercommunality:{h.COEUR_DE_LOZERE}", f"CC Coeur de Lozère {NOT_IN_TERRITORY}"),
        ("commune:99999", "Commune inconnu(e) : « 99999 »."),
        ("intercommunality:000000000", "Communauté de communes inconnu(e) : « 000000000 »."),
        ("syndicate:999", "Syndicat intercommunal inconnu(e) : « 999 »."),
        ("syndicate:²", "Syndicat intercommunal inconnu(e) : « ² »."),  # isdigit() but not int()
        ("syndicate:9999999999", "Syndicat intercommunal inconnu(e) : « 9999999999 »."),
        (
            "association:12",
            "Le maître d'ouvrage doit être une collectivité publique du territoire : une commune, "
            "la communauté de communes ou un syndicat intercommunal.",
        ),
        (
            "",
            "Le maître d'ouvrage doit être une collectivité publique du territoire : une commune, "
            "la communauté de communes ou un syndicat intercommunal.",
        ),
    ],
)
def test_resolve_owner_explains_a_refusal_in_french(key: str, expected: str) -> None:
    assert resolve_owner(h.new_contract(), key) == expected


def test_a_syndicate_outside_the_territory_is_named() -> None:
    elsewhere = f.syndicate("SIVU du Valdonnez", communes=[h.MENDE])
    assert (
        resolve_owner(h.new_contract(), f"syndicate:{elsewhere.id}")
        == f"SIVU du Valdonnez {NOT_IN_TERRITORY}"
    )


def test_project_owner_key_for_each_kind_of_owner() -> None:
    contract = h.new_contract()
    syndicate = f.syndicate("SICTOM du Gévaudan", epcis=[h.GEVAUDAN])
    for key in (f"commune:{h.MARVEJOLS}", f"intercommunality:{h.GEVAUDAN}", f"syndicate:{syndicate.id}"):
        assert project_owner_key(h.new_project(contract, owner=key)) == key
