"""The financial plan against a fixture computed by hand, in euros and cents; CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from concertation.contracts.changes import set_in_plan
from concertation.contracts.enums import ContractStage
from concertation.contracts.exports import plan_csv, plan_xlsx
from concertation.contracts.models import Contract
from concertation.contracts.plan import financial_plan
from concertation.contracts.projects import FundingInput
from concertation.extensions import db
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")

D = Decimal
CC = f"intercommunality:{h.GEVAUDAN}"
MARVEJOLS = f"commune:{h.MARVEJOLS}"
MONTRODAT = f"commune:{h.MONTRODAT}"

# (title, owner, theme, priority, year, cost, grant, other fundings, in the plan)
PROJECTS = [
    (
        "Voirie de Marvejols",
        MARVEJOLS,
        "voirie",
        1,
        2026,
        "100 000,10",
        "30 000,03",
        [("État", "20 000,01")],
        True,
    ),
    (
        "STEP de Montrodat",
        MONTRODAT,
        "eau",
        2,
        2027,
        "240 000,55",
        "72 000,16",
        [("Agence de l'eau", "96 000,22")],
        True,
    ),
    ("Voirie intercommunale", CC, "voirie", 1, 2027, "55 555,55", "16 666,66", [], True),
    (
        "Maison de santé",
        MARVEJOLS,
        "services",
        3,
        2028,
        "180 000,99",
        "54 000,29",
        [("Région", "36 000,00"), ("Europe", "18 000,50")],
        True,
    ),
    ("Jardin public", MONTRODAT, "cadre_de_vie", 2, 2026, "10 000,00", "3 000,00", [], False),
]

# Computed by hand from PROJECTS (only those in the plan), envelope 250 000,00.
BY_THEME = {
    "Développement économique, agriculture, tourisme": (0, "0.00", "0.00", "0.00", "0.0"),
    "Services et vie quotidienne": (1, "180000.99", "54000.29", "54000.50", "21.6"),
    "Voirie": (2, "155555.65", "46666.69", "20000.01", "18.7"),
    "Cadre de vie": (0, "0.00", "0.00", "0.00", "0.0"),
    "Urbanisme, logement et accueil": (0, "0.00", "0.00", "0.00", "0.0"),
    "AEP et assainissement": (1, "240000.55", "72000.16", "96000.22", "28.8"),
}
BY_PRIORITY = {
    "Priorité 1": (2, "155555.65", "46666.69"),
    "Priorité 2": (1, "240000.55", "72000.16"),
    "Priorité 3": (1, "180000.99", "54000.29"),
}
BY_YEAR = {
    "2026": (1, "100000.10", "30000.03"),
    "2027": (2, "295556.10", "88666.82"),
    "2028": (1, "180000.99", "54000.29"),
}
BY_OWNER = {
    "CC du Gévaudan": (1, "55555.55", "16666.66"),
    "Marvejols": (2, "280001.09", "84000.32"),
    "Montrodat": (1, "240000.55", "72000.16"),
}
TOTAL = (4, "575557.19", "172667.14", "170000.73", "69.1")
REMAINING = "77332.86"


@pytest.fixture()
def contract() -> Contract:
    contract = h.contract_at(ContractStage.PROPOSITIONS, envelope="250 000,00")
    for title, owner, theme, priority, year, cost, grant, others, in_plan in PROJECTS:
        project = h.new_project(
            contract,
            title=title,
            owner=owner,
            theme=theme,
            priority=priority,
            planned_year=year,
            estimated_cost=cost,
            grant_requested=grant,
            fundings=[FundingInput(funder, amount) for funder, amount in others],
        )
        if in_plan:
            set_in_plan(project, True)
    db.session.commit()
    return contract


def test_totals_match_the_hand_computed_fixture(contract: Contract) -> None:
    plan = financial_plan(contract)
    assert {
        r.label: (r.count, str(r.cost), str(r.grant), str(r.other), str(r.share)) for r in plan.by_theme
    } == {label: (n, cost, grant, other, share) for label, (n, cost, grant, other, share) in BY_THEME.items()}
    assert [r.label for r in plan.by_theme] == list(BY_THEME)
    assert {r.label: (r.count, str(r.cost), str(r.grant)) for r in plan.by_priority} == BY_PRIORITY
    assert {r.label: (r.count, str(r.cost), str(r.grant)) for r in plan.by_year} == BY_YEAR
    assert {r.label: (r.count, str(r.cost), str(r.grant)) for r in plan.by_owner} == BY_OWNER
    assert [r.label for r in plan.by_owner] == list(BY_OWNER)
    total = plan.total
    assert (total.count, str(total.cost), str(total.grant), str(total.other), str(total.share)) == TOTAL
    assert plan.envelope == D("250000.00") and str(plan.remaining) == REMAINING
    assert not plan.is_over_envelope
    assert all(isinstance(v, Decimal) for r in plan.by_theme for v in (r.cost, r.grant, r.other))
    assert [line.number for line in plan.lines] == [1, 2, 3, 4]


def test_csv_export(contract: Contract) -> None:
    content = plan_csv(contract, financial_plan(contract))
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Enveloppe (€)", "250000,00"]
    assert rows[2] == ["Aides du plan (€)", "172667,14"]
    assert rows[3] == ["Reste sur l'enveloppe (€)", "77332,86"]
    header = rows.index(
        [
            "N°",
            "Projet",
            "Maître d'ouvrage",
            "Thème",
            "Priorité",
            "Année prévue",
            "Statut",
            "Coût HT (€)",
            "Aide du Département (€)",
            "Autres financements (€)",
        ]
    )
    assert rows[header + 2] == [
        "2",
        "STEP de Montrodat",
        "Montrodat",
        "AEP et assainissement",
        "2",
        "2027",
        "Retenue",
        "240000,55",
        "72000,16",
        "96000,22",
    ]
    assert rows[header + 5][1:] == [
        "Total du plan",
        "",
        "",
        "",
        "",
        "",
        "575557,19",
        "172667,14",
        "170000,73",
    ]
    themes = rows.index(["Totaux par thème"])
    assert rows[themes + 4] == ["Voirie", "2", "155555,65", "46666,69", "20000,01", "18,7"]
    owners = rows.index(["Totaux par maître d'ouvrage"])
    assert rows[owners + 3] == ["Marvejols", "2", "280001,09", "84000,32", "74000,51", "33,6"]


def _euros(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_xlsx_export_read_back_with_openpyxl(contract: Contract) -> None:
    book = load_workbook(io.BytesIO(plan_xlsx(contract, financial_plan(contract))))
    assert book.sheetnames == ["Synthèse", "Plan", "Totaux", "Fonds de réserve"]

    summary = {row[0]: row[1] for row in book["Synthèse"].iter_rows(values_only=True)}
    assert summary["Contrat"] == "Contrat territorial CC du Gévaudan 2026-2028"
    assert _euros(summary["Enveloppe"]) == D("250000.00")
    assert _euros(summary["Aides du plan"]) == D("172667.14")
    assert _euros(summary["Reste sur l'enveloppe"]) == D(REMAINING)

    sheet = book["Plan"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][7:] == ("Coût HT (€)", "Aide du Département (€)", "Autres financements (€)")
    lines = [(r[0], r[1], r[4], r[5], _euros(r[7]), _euros(r[8]), _euros(r[9])) for r in rows[1:5]]
    assert lines == [
        (1, "Voirie de Marvejols", 1, 2026, D("100000.10"), D("30000.03"), D("20000.01")),
        (2, "STEP de Montrodat", 2, 2027, D("240000.55"), D("72000.16"), D("96000.22")),
        (3, "Voirie intercommunale", 1, 2027, D("55555.55"), D("16666.66"), D("0.00")),
        (4, "Maison de santé", 3, 2028, D("180000.99"), D("54000.29"), D("54000.50")),
    ]
    assert (rows[5][1], _euros(rows[5][7]), _euros(rows[5][8]), _euros(rows[5][9])) == (
        "Total du plan",
        D("575557.19"),
        D("172667.14"),
        D("170000.73"),
    )
    assert sheet["I2"].number_format == '#,##0.00 "€"'

    totals = list(book["Totaux"].iter_rows(values_only=True))
    by_label = {row[0]: row for row in totals if row[0] and row[2] is not None and row[0] != "Libellé"}
    for label, (count, cost, grant, *_rest) in {**BY_THEME, **BY_PRIORITY, **BY_YEAR, **BY_OWNER}.items():
        row = by_label[label]
        assert (row[1], _euros(row[2]), _euros(row[3])) == (count, D(cost), D(grant)), label


def test_a_title_starting_with_equals_stays_text(contract: Contract) -> None:
    contract.projects[0].title = '=HYPERLINK("http://example.org")'
    db.session.commit()
    book = load_workbook(io.BytesIO(plan_xlsx(contract, financial_plan(contract))))
    assert book["Plan"]["B2"].data_type == "s"
    rows = list(
        csv.reader(
            io.StringIO(plan_csv(contract, financial_plan(contract)).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert any(row[1:2] == ['\'=HYPERLINK("http://example.org")'] for row in rows)
