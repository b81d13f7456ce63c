"""The poll's grid as a table for a spreadsheet (CSV and XLSX): one row per invitee, one column per
slot, then the totals and the key counts below, as the grid page shows them."""

from __future__ import annotations

from concertation.core.spreadsheets import Cell, csv_bytes, xlsx_bytes
from concertation.polls.grid import Grid, GridRow
from concertation.polls.slot_labels import slot_label

HEAD = ("Invité(e)", "Qualités", "Adresse électronique")
TAIL = ("Commentaire", "Réponse saisie par l'organisateur")
NO_ANSWER = ""


def grid_table(grid: Grid) -> list[list[Cell]]:
    """The rows of the exported table; the first one is the header."""
    blank = [""] * len(HEAD)
    table: list[list[Cell]] = [[*HEAD, *(slot_label(slot) for slot in grid.slots), *TAIL]]
    table += [_row(row) for row in grid.rows]
    table.append([])
    table += [
        ["Oui", *blank[1:], *(t.yes for t in grid.totals)],
        ["Si nécessaire", *blank[1:], *(t.if_needed for t in grid.totals)],
        ["Non", *blank[1:], *(t.no for t in grid.totals)],
        ["Sans réponse", *blank[1:], *(t.pending for t in grid.totals)],
    ]
    if grid.key_counts:
        table.append([])
        table += [[f"{c.label} (sur {c.total})", *blank[1:], *c.available] for c in grid.key_counts]
    if any(grid.flags):
        table.append(["Réponses « Non » à noter", *blank[1:], *(" ".join(flags) for flags in grid.flags)])
    return table


def _row(row: GridRow) -> list[Cell]:
    choices = [choice.label if choice is not None else NO_ANSWER for choice in row.choices]
    entered = "oui" if row.entered else ""
    return [row.name, " ; ".join(row.qualities), row.email, *choices, row.comment, entered]


def grid_csv(grid: Grid) -> bytes:
    return csv_bytes(grid_table(grid))


def grid_xlsx(grid: Grid) -> bytes:
    widths = (28, 45, 30, *(24 for _ in grid.slots), 40, 16)
    return xlsx_bytes("Sondage", grid_table(grid), widths)
