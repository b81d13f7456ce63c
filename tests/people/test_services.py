"""Person and mandate services, and the directory queries, without HTTP."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from concertation.extensions import db
from concertation.people import services
from concertation.people.models import Mandate, Person, Role
from concertation.people.services import DirectoryFilters, MandateData, PersonData
from concertation.people.validation import DuplicatePerson, InvalidMandate, InvalidPerson, periods_overlap
from concertation.territory import services as territory_services
from concertation.territory.models import Canton, Commune, Intercommunality, Syndicate, SyndicateMember
from concertation.territory.services import InvalidSyndicate, SyndicateData, create_syndicate, normalise_siren

ON = date(2026, 6, 1)


def commune(insee: str) -> Commune:
    found = db.session.scalar(select(Commune).where(Commune.insee_code == insee))
    assert found is not None
    return found


def person(last_name: str = "Durand", **values: object) -> Person:
    created = services.create_person(
        PersonData(first_name=str(values.pop("first_name", "Jean")), last_name=last_name)
    )
    for key, value in values.items():
        setattr(created, key, value)
    db.session.commit()
    return created


def names(filters: DirectoryFilters) -> list[str]:
    return [p.last_name for p in services.directory_persons(filters, ON)]


def test_create_person_normalises(app: object) -> None:
    created = services.create_person(
        PersonData(
            civility="Mme",
            first_name="  Anne   Marie ",
            last_name=" Roux ",
            email=" anne@EXAMPLE.fr ",
            phone=" 04  66 49 66 66 ",
            notes="  x ",
        )
    )
    db.session.commit()
    assert (created.first_name, created.last_name, created.email) == ("Anne Marie", "Roux", "anne@example.fr")
    assert (created.phone, created.notes, created.needs_paper) == ("04 66 49 66 66", "x", False)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"email": "pas-une-adresse"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"phone": "appelez-moi"}, "phone"),
        ({"civility": "Dr"}, "civility"),
        ({"last_name": "   "}, "last_name"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"birth_on": date(1850, 1, 1)}, "birth_on"),
    ],
)
def test_create_person_refuses_bad_input(app: object, values: dict[str, object], field: str) -> None:
    data = {"first_name": "Jean", "last_name": "Durand", **values}
    with pytest.raises(InvalidPerson) as error:
        services.create_person(PersonData(**data))  # type: ignore[arg-type]
    assert error.value.field == field
    assert str(error.value)  # a French sentence for the user
    db.session.rollback()
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_accented_addresses_domain_kept_local_part_refused(app: object) -> None:
    created = services.create_person(
        PersonData(first_name="Jean", last_name="Maire", email=" Maire@Mairie-LOZÈRE.fr ")
    )
    assert created.email == "Maire@mairie-lozère.fr"
    with pytest.raises(InvalidPerson) as error:
        services.create_person(
            PersonData(first_name="Élodie", last_name="Dupré", email="élodie.dupre@mairie-lozère.fr")
        )
    assert error.value.field == "email"
    assert "accentuées" in str(error.value) and "avant « @ »" in str(error.value)


def test_names_lose_control_and_bidi_characters(app: object) -> None:
    created = services.create_person(
        PersonData(first_name="Jean\u202e\u0007", last_name="Du\u000bpont\u001cAîné\u2066")
    )
    assert (created.first_name, created.last_name) == ("Jean", "Du pont Aîné")


def test_duplicate_person_needs_the_same_birth_date(app: object) -> None:
    services.create_person(PersonData(first_name="Jean", last_name="Durand", birth_on=date(1960, 1, 1)))
    with pytest.raises(DuplicatePerson):
        services.create_person(PersonData(first_name="JEAN", last_name="durand", birth_on=date(1960, 1, 1)))
    services.create_person(PersonData(first_name="Jean", last_name="Durand", birth_on=date(1961, 1, 1)))
    services.create_person(PersonData(first_name="Jean", last_name="Durand"))
    db.session.commit()
    assert db.session.scalar(select(func.count(Person.id))) == 3


def test_update_person_may_keep_its_own_identity(app: object) -> None:
    created = services.create_person(
        PersonData(first_name="Jean", last_name="Durand", birth_on=date(1960, 1, 1))
    )
    services.update_person(
        created, PersonData(first_name="Jean", last_name="Durand", birth_on=date(1960, 1, 1), email="j@d.fr")
    )
    assert created.email == "j@d.fr"
    with pytest.raises(InvalidPerson):
        services.update_person(created, PersonData(first_name="Jean", last_name="Durand", email="faux"))
    assert created.email == "j@d.fr"


def test_mandate_body_follows_the_role(lozere: None) -> None:
    elu = person()
    mende = commune("48095")
    with pytest.raises(InvalidMandate, match="Choisissez la commune"):
        services.add_mandate(elu, MandateData(role=Role.MAIRE, body_id=None))
    with pytest.raises(InvalidMandate, match="Choisissez le canton"):
        services.add_mandate(elu, MandateData(role=Role.CONSEILLER_DEPARTEMENTAL, body_id=999999))
    mandate = services.add_mandate(
        elu, MandateData(role=Role.MAIRE, body_id=mende.id, starts_on=date(2020, 7, 3))
    )
    assert mandate.commune is mende and mandate.canton is None
    chair = services.add_mandate(
        elu, MandateData(role=Role.PRESIDENT_CONSEIL_DEPARTEMENTAL, body_id=mende.id)
    )
    assert (chair.commune_id, chair.intercommunality_id, chair.canton_id, chair.syndicate_id) == (None,) * 4
    db.session.commit()
    assert sorted(m.quality for m in elu.mandates_on(ON)) == [
        "Maire de Mende",
        "Président du Conseil départemental de la Lozère",
    ]


def test_mandate_dates_and_overlaps(lozere: None) -> None:
    elu = person()
    mende = commune("48095")
    with pytest.raises(InvalidMandate, match="ne peut pas précéder"):
        services.add_mandate(
            elu, MandateData(Role.MAIRE, mende.id, starts_on=date(2020, 7, 3), ends_on=date(2020, 7, 2))
        )
    services.add_mandate(elu, MandateData(Role.MAIRE, mende.id, date(2014, 3, 28), date(2020, 5, 23)))
    services.add_mandate(elu, MandateData(Role.MAIRE, mende.id, date(2020, 5, 24)))
    with pytest.raises(InvalidMandate, match="recoupe"):
        services.add_mandate(elu, MandateData(Role.MAIRE, mende.id, date(2026, 3, 20)))
    services.add_mandate(elu, MandateData(Role.MAIRE, commune("48092").id, date(2026, 3, 20)))
    db.session.commit()
    assert db.session.scalar(select(func.count(Mandate.id))) == 3


def test_periods_overlap_with_open_bounds() -> None:
    assert periods_overlap((None, None), (date(2020, 1, 1), None))
    assert periods_overlap((date(2020, 1, 1), date(2020, 12, 31)), (date(2020, 12, 31), None))
    assert not periods_overlap((date(2020, 1, 1), date(2020, 12, 30)), (date(2020, 12, 31), None))
    assert not periods_overlap((None, date(2019, 1, 1)), (date(2019, 1, 2), date(2019, 1, 3)))


def test_end_mandate(lozere: None) -> None:
    elu = person()
    mandate = services.add_mandate(elu, MandateData(Role.MAIRE, commune("48095").id, date(2020, 7, 3)))
    with pytest.raises(InvalidMandate, match="03/07/2020"):
        services.end_mandate(mandate, date(2020, 7, 2))
    assert mandate.ends_on is None
    services.end_mandate(mandate, date(2020, 7, 3))
    with pytest.raises(InvalidMandate, match="déjà terminé"):
        services.end_mandate(mandate, date(2021, 1, 1))
    assert mandate.ends_on == date(2020, 7, 3)


@pytest.fixture()
def directory(lozere: None) -> None:
    mende, marvejols = commune("48095"), commune("48092")
    gevaudan = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == "244800470"))
    canton = db.session.scalar(select(Canton).where(Canton.code == "4809"))
    db.session.add_all(
        [
            Person(first_name="A", last_name="Actuel", mandates=[Mandate(role=Role.MAIRE, commune=mende)]),
            Person(
                first_name="B",
                last_name="Bicéphale",
                email="b@x.fr",
                mandates=[
                    Mandate(role=Role.MAIRE, commune=marvejols, starts_on=date(2020, 7, 3)),
                    Mandate(role=Role.PRESIDENT_EPCI, intercommunality=gevaudan, starts_on=date(2020, 7, 10)),
                ],
            ),
            Person(
                first_name="C",
                last_name="Conseiller",
                mandates=[
                    Mandate(role=Role.CONSEILLER_DEPARTEMENTAL, canton=canton, ends_on=date(2021, 6, 27))
                ],
            ),
            Person(first_name="D", last_name="Dans_Annuaire_100%", email="d@x.fr"),
            Person(
                first_name="E",
                last_name="Élue-Future",
                mandates=[Mandate(role=Role.MAIRE, commune=mende, starts_on=date(2099, 1, 1))],
            ),
        ]
    )
    db.session.commit()


def test_directory_default_hides_former_and_future_elus(directory: None) -> None:
    assert names(DirectoryFilters()) == ["Actuel", "Bicéphale", "Dans_Annuaire_100%"]
    assert names(DirectoryFilters(include_ended=True)) == [
        "Actuel",
        "Bicéphale",
        "Conseiller",
        "Dans_Annuaire_100%",
        "Élue-Future",
    ]


def test_directory_filters_by_role_body_and_search(directory: None) -> None:
    mende = commune("48095")
    canton = db.session.scalar(select(Canton.id).where(Canton.code == "4809"))
    assert names(DirectoryFilters(role=Role.MAIRE)) == ["Actuel", "Bicéphale"]
    assert names(DirectoryFilters(role=Role.CONSEILLER_DEPARTEMENTAL)) == []
    assert names(DirectoryFilters(role=Role.CONSEILLER_DEPARTEMENTAL, include_ended=True)) == ["Conseiller"]
    assert names(DirectoryFilters(body=("commune", mende.id))) == ["Actuel"]
    assert names(DirectoryFilters(body=("commune", mende.id), include_ended=True)) == [
        "Actuel",
        "Élue-Future",
    ]
    assert names(DirectoryFilters(body=("canton", canton or 0), include_ended=True)) == ["Conseiller"]
    assert names(DirectoryFilters(role=Role.PRESIDENT_EPCI, body=("commune", mende.id))) == []
    assert names(DirectoryFilters(search="100%")) == ["Dans_Annuaire_100%"]
    assert names(DirectoryFilters(search="s_a")) == ["Dans_Annuaire_100%"]
    assert names(DirectoryFilters(search="%")) == ["Dans_Annuaire_100%"]
    assert names(DirectoryFilters(search="b@x")) == ["Bicéphale"]


def test_directory_page_size(directory: None) -> None:
    page = services.directory_page(DirectoryFilters(include_ended=True), ON, 1)
    assert (page.total, len(page.items), page.pages) == (5, 5, 1)
    assert services.directory_page(DirectoryFilters(), ON, 7).items == []


def test_csv_lists_qualities_and_quotes_separators(directory: None) -> None:
    db.session.add(Person(civility="M.", first_name="Jean; Paul", last_name="Point-Virgule", email="jp@x.fr"))
    db.session.commit()
    filters = DirectoryFilters(include_ended=True)
    data = services.directory_csv(services.directory_persons(filters, ON), filters, ON)
    assert data[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Bicéphale"][5] == "Maire de Marvejols, Président de la CC du Gévaudan"
    assert by_name["Conseiller"][5] == "Conseiller départemental (canton de Mende-1) (jusqu'au 27/06/2021)"
    assert by_name["Point-Virgule"][2] == "Jean; Paul"
    assert b'"Jean; Paul"' in data


def test_holders_and_mandates_in(directory: None) -> None:
    gevaudan = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == "244800470"))
    assert gevaudan is not None
    presidents = services.holders_by_body("intercommunality", [Role.PRESIDENT_EPCI], ON)
    assert [m.person.last_name for m in presidents[gevaudan.id]] == ["Bicéphale"]
    in_mende = services.mandates_in("commune", commune("48095").id, ON)
    assert [m.person.last_name for m in in_mende] == ["Actuel"]


def test_delete_syndicate_takes_its_mandates(lozere: None) -> None:
    syndicate = Syndicate(name="SIVU", members=[SyndicateMember(commune=commune("48095"))])
    elu = Person(
        first_name="P",
        last_name="Président",
        mandates=[
            Mandate(role=Role.PRESIDENT_SYNDICAT, syndicate=syndicate),
            Mandate(role=Role.MAIRE, commune=commune("48095")),
        ],
    )
    db.session.add_all([syndicate, elu])
    db.session.commit()
    assert services.count_mandates_in("syndicate", syndicate.id) == 1
    assert territory_services.delete_syndicate(syndicate) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count(Syndicate.id))) == 0
    assert db.session.scalar(select(func.count(SyndicateMember.id))) == 0
    assert [m.role for m in db.session.scalars(select(Mandate))] == [Role.MAIRE]


def test_syndicate_services_validate_before_writing(lozere: None) -> None:
    assert normalise_siren(" 200 069 102 ") == "200069102"
    assert normalise_siren("") is None
    with pytest.raises(InvalidSyndicate, match="9 chiffres"):
        normalise_siren("20006910A")
    with pytest.raises(InvalidSyndicate, match="obligatoire"):
        create_syndicate(SyndicateData(name="  "))
    with pytest.raises(Exception, match="inconnu"):
        create_syndicate(SyndicateData(name="SIVU", commune_ids=(999999,)))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Syndicate.id))) == 0


def test_syndicate_names_are_unique_whatever_their_case_and_every_error_is_named(lozere: None) -> None:
    create_syndicate(SyndicateData(name="SIVOM du Valdonnez", siren="200000001"))
    with pytest.raises(InvalidSyndicate) as error:
        create_syndicate(SyndicateData(name="sivom  du valdonnez", siren="200 000 001", purpose="x" * 501))
    assert error.value.field == "name"
    assert error.value.errors == {
        "name": ["Un syndicat nommé « sivom du valdonnez » existe déjà."],
        "siren": ["Un syndicat de SIREN 200000001 existe déjà."],
        "purpose": ["L'objet ne doit pas dépasser 500 caractères."],
    }
