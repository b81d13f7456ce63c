"""The bar chart of the plan's grants by theme, as geometry for a server-rendered SVG (core.chart).

Lengths are computed in Decimal too: they are derived from amounts.
"""

from __future__ import annotations

from decimal import Decimal

from concertation.contracts.enums import Theme
from concertation.contracts.money import format_euros
from concertation.contracts.plan import FinancialPlan
from concertation.core.chart import Chart, Layout, bar_chart

LAYOUT = Layout(label_width=230, value_width=130, bar_height=24, gap=12)


def theme_chart(plan: FinancialPlan) -> Chart:
    """One horizontal bar per theme (the six, even empty), length proportional to the grants."""
    largest = max((row.grant for row in plan.by_theme), default=Decimal(0))
    area = Decimal(LAYOUT.bar_area)
    rows = [
        (
            Theme(row.key).short_label,
            format_euros(row.grant),
            (row.grant * area / largest).quantize(Decimal("0.1")) if largest else Decimal(0),
        )
        for row in plan.by_theme
    ]
    described = " ; ".join(f"{label} : {value}" for label, value, _ in rows)
    return bar_chart(LAYOUT, rows, f"Aides du Département inscrites au plan, par thème. {described}.")
