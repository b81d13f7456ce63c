"""Exports of the financial plan: CSV for any spreadsheet, XLSX (openpyxl) with one sheet per view.

Amounts stay Decimal: the CSV writes them with a decimal comma ("12500,50", what a French spreadsheet
reads as a number), the XLSX stores them as numbers formatted in euros.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from concertation.contracts.models import Contract
from concertation.contracts.plan import FinancialPlan, TotalRow
from concertation.core.spreadsheets import csv_cell

LINE_HEADER = (
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
)
TOTAL_HEADER = (
    "Libellé",
    "Projets",
    "Coût HT (€)",
    "Aide du Département (€)",
    "Autres financements (€)",
    "Part de l'enveloppe (%)",
)
RESERVE_HEADER = (
    "N°",
    "Projet",
    "Maître d'ouvrage",
    "Thème",
    "Montant accordé (€)",
    "Date de la décision",
    "Instance",
    "Référence",
    "Urgence",
)
EURO_FORMAT = '#,##0.00 "€"'


def _sections(plan: FinancialPlan) -> list[tuple[str, list[TotalRow]]]:
    return [
        ("Totaux par thème", plan.by_theme),
        ("Totaux par priorité", plan.by_priority),
        ("Totaux par année prévue", plan.by_year),
        ("Totaux par maître d'ouvrage", plan.by_owner),
    ]


def _csv_amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def plan_csv(contract: Contract, plan: FinancialPlan) -> bytes:
    """The plan's projects, then its totals by theme, priority, year and owner, then the reserve fund.

    `;`-separated, UTF-8 with a BOM, amounts with a decimal comma.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(contract.title)])
    writer.writerow(["Enveloppe (€)", _csv_amount(plan.envelope)])
    writer.writerow(["Aides du plan (€)", _csv_amount(plan.total.grant)])
    writer.writerow(["Reste sur l'enveloppe (€)", _csv_amount(plan.remaining)])
    writer.writerow(["Fonds de réserve (€)", _csv_amount(plan.reserve_total)])
    writer.writerow([])
    writer.writerow(LINE_HEADER)
    for line in plan.lines:
        writer.writerow(
            [
                line.number,
                csv_cell(line.title),
                csv_cell(line.owner),
                line.theme.label,
                line.priority,
                line.year,
                line.status.label,
                _csv_amount(line.cost),
                _csv_amount(line.grant),
                _csv_amount(line.other),
            ]
        )
    total = plan.total
    writer.writerow(
        ["", total.label, "", "", "", "", "", *map(_csv_amount, (total.cost, total.grant, total.other))]
    )
    for title, rows in _sections(plan):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(TOTAL_HEADER)
        for row in rows:
            share = "" if row.share is None else str(row.share).replace(".", ",")
            writer.writerow(
                [
                    csv_cell(row.label),
                    row.count,
                    _csv_amount(row.cost),
                    _csv_amount(row.grant),
                    _csv_amount(row.other),
                    share,
                ]
            )
    writer.writerow([])
    writer.writerow(["Fonds de réserve (hors plan)"])
    writer.writerow(RESERVE_HEADER)
    for item in plan.reserve:
        writer.writerow(
            [
                item.number,
                csv_cell(item.title),
                csv_cell(item.owner),
                item.theme.label,
                _csv_amount(item.amount),
                item.decided_on.strftime("%d/%m/%Y"),
                csv_cell(item.decision_body),
                csv_cell(item.decision_reference),
                csv_cell(item.urgency_reason),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _put(sheet: Any, row: int, column: int, value: object) -> Any:
    """Write a cell; text is always text, never a formula (a title may start with "=")."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _header(sheet: Any, row: int, values: Sequence[str]) -> None:
    for column, value in enumerate(values, start=1):
        _put(sheet, row, column, value).font = Font(bold=True)


def _money(sheet: Any, row: int, column: int, value: Decimal) -> None:
    _put(sheet, row, column, value).number_format = EURO_FORMAT


def _widths(sheet: Any, widths: Sequence[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def plan_xlsx(contract: Contract, plan: FinancialPlan) -> bytes:
    """A workbook: « Synthèse », « Plan » (a row per project, a total), « Totaux », « Fonds de réserve »."""
    book = Workbook()
    summary = book.active
    summary.title = "Synthèse"
    rows: list[tuple[str, str | Decimal]] = [
        ("Contrat", contract.title),
        ("Communauté de communes", contract.intercommunality.name),
        ("Période", f"{contract.starts_on:%d/%m/%Y} – {contract.ends_on:%d/%m/%Y}"),
        ("Étape", contract.stage.label),
        ("Enveloppe", plan.envelope),
        ("Aides du plan", plan.total.grant),
        ("Reste sur l'enveloppe", plan.remaining),
        ("Coût HT des projets du plan", plan.total.cost),
        ("Fonds de réserve (hors plan)", plan.reserve_total),
    ]
    for index, (label, value) in enumerate(rows, start=1):
        _put(summary, index, 1, label).font = Font(bold=True)
        if isinstance(value, Decimal):
            _money(summary, index, 2, value)
        else:
            _put(summary, index, 2, value)
    _widths(summary, (32, 60))

    lines = book.create_sheet("Plan")
    _header(lines, 1, LINE_HEADER)
    for index, line in enumerate(plan.lines, start=2):
        cells = (line.number, line.title, line.owner, line.theme.label, line.priority, line.year)
        for column, cell in enumerate(cells, start=1):
            _put(lines, index, column, cell)
        _put(lines, index, 7, line.status.label)
        for column, amount in ((8, line.cost), (9, line.grant), (10, line.other)):
            _money(lines, index, column, amount)
    last = len(plan.lines) + 2
    _put(lines, last, 2, plan.total.label).font = Font(bold=True)
    for column, amount in ((8, plan.total.cost), (9, plan.total.grant), (10, plan.total.other)):
        _money(lines, last, column, amount)
    lines.freeze_panes = "A2"
    _widths(lines, (6, 50, 30, 40, 9, 12, 16, 16, 20, 20))

    sheet = book.create_sheet("Totaux")
    row = 1
    for title, section in _sections(plan):
        _put(sheet, row, 1, title).font = Font(bold=True, size=12)
        _header(sheet, row + 1, TOTAL_HEADER)
        row += 2
        for total in section:
            _put(sheet, row, 1, total.label)
            _put(sheet, row, 2, total.count)
            for column, amount in ((3, total.cost), (4, total.grant), (5, total.other)):
                _money(sheet, row, column, amount)
            _put(sheet, row, 6, total.share)
            row += 1
        row += 1
    _widths(sheet, (45, 9, 16, 22, 22, 20))

    reserve = book.create_sheet("Fonds de réserve")
    _header(reserve, 1, RESERVE_HEADER)
    for index, item in enumerate(plan.reserve, start=2):
        for column, cell in enumerate((item.number, item.title, item.owner, item.theme.label), start=1):
            _put(reserve, index, column, cell)
        _money(reserve, index, 5, item.amount)
        _put(reserve, index, 6, item.decided_on).number_format = "DD/MM/YYYY"
        for column, text in ((7, item.decision_body), (8, item.decision_reference), (9, item.urgency_reason)):
            _put(reserve, index, column, text)
    _widths(reserve, (6, 50, 30, 40, 20, 14, 30, 30, 60))

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
