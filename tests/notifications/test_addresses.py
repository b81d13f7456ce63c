"""Addresses as emails carry them (notifications/addresses.py): IDNA domains, no SMTPUTF8, French reasons."""

from __future__ import annotations

import pytest

from concertation.notifications.addresses import UnwritableAddress, ascii_address, readable_address

ACCENTED = "secretariat@mairie-lozère.fr"
IDNA = "secretariat@xn--mairie-lozre-6db.fr"


def test_an_internationalised_domain_is_written_in_idna_form() -> None:
    assert ascii_address(ACCENTED) == IDNA
    assert ascii_address(f"  {ACCENTED}\t") == IDNA


def test_an_ascii_address_is_kept_as_it_is() -> None:
    assert ascii_address("Jean.Dupont+cr@Marvejols.fr") == "Jean.Dupont+cr@Marvejols.fr"
    # The local part may itself hold an "@" inside quotes: the domain is after the last one.
    assert ascii_address('"a@b"@mende.fr') == '"a@b"@mende.fr'


def test_an_accented_local_part_cannot_be_written() -> None:
    with pytest.raises(UnwritableAddress) as raised:
        ascii_address("élodie.dupre@mende.fr")
    assert str(raised.value) == (
        "Adresse « élodie.dupre@mende.fr » : les caractères accentués avant « @ » ne peuvent pas être "
        "acheminés par tous les serveurs de messagerie ; demandez une adresse sans accent avant « @ »."
    )


@pytest.mark.parametrize(
    "address", ["pas-une-adresse", "@mende.fr", "mairie@", "", "a\nb@mende.fr", "a@x\x7f.fr"]
)
def test_what_is_not_an_address_is_refused(address: str) -> None:
    with pytest.raises(UnwritableAddress, match="n'est pas une adresse électronique utilisable"):
        ascii_address(address)


@pytest.mark.parametrize("domain", ["lozère..fr", "-lozère.fr", "\u0301lozère.fr", "é" + "x" * 70 + ".fr"])
def test_an_invalid_internationalised_domain_is_refused(domain: str) -> None:
    with pytest.raises(UnwritableAddress, match=r"le nom de domaine \(après « @ »\) n'est pas valide"):
        ascii_address(f"mairie@{domain}")


def test_unwritable_address_is_a_value_error() -> None:
    # Callers that validate input catch ValueError; this one must be among them.
    assert issubclass(UnwritableAddress, ValueError)


def test_readable_address_decodes_idna_domains() -> None:
    assert readable_address(IDNA) == ACCENTED
    assert readable_address(" secretariat@XN--MAIRIE-LOZRE-6DB.FR ") == ACCENTED


def test_readable_address_keeps_other_addresses() -> None:
    assert readable_address(" jean@marvejols.fr ") == "jean@marvejols.fr"
    assert readable_address(ACCENTED) == ACCENTED
    assert readable_address("pas-une-adresse") == "pas-une-adresse"
    # A broken IDNA label is left as received rather than guessed.
    assert readable_address("a@xn--zz-invalid.fr") == "a@xn--zz-invalid.fr"


def test_the_two_forms_go_back_and_forth() -> None:
    for address in (ACCENTED, "maire@saint-étienne-du-valdonnez.fr", "accueil@mende.fr"):
        assert readable_address(ascii_address(address)) == address
