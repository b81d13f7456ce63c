"""The bar chart of the plan's grants by theme, as geometry for a server-rendered SVG.

The template draws the bars; the same figures are shown in a table next to it, so that no one depends
on the picture. Geometry is computed in Decimal too: it is derived from amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from concertation.contracts.enums import Theme
from concertation.contracts.money import format_euros
from concertation.contracts.plan import FinancialPlan

WIDTH = 720
LABEL_WIDTH = 230
VALUE_WIDTH = 130
BAR_HEIGHT = 24
GAP = 12
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    value_label: str
    y: int
    width: Decimal

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    description: str

    @property
    def bar_x(self) -> int:
        return self.label_width

    def value_x(self, bar: Bar) -> Decimal:
        return self.label_width + bar.width + 6


def theme_chart(plan: FinancialPlan) -> Chart:
    """One horizontal bar per theme (the six, even empty), length proportional to the grants."""
    largest = max((row.grant for row in plan.by_theme), default=Decimal(0))
    area = Decimal(WIDTH - LABEL_WIDTH - VALUE_WIDTH)
    bars = []
    for index, row in enumerate(plan.by_theme):
        width = (row.grant * area / largest).quantize(Decimal("0.1")) if largest else Decimal(0)
        bars.append(
            Bar(
                label=Theme(row.key).short_label,
                value=row.grant,
                value_label=format_euros(row.grant),
                y=TOP + index * (BAR_HEIGHT + GAP),
                width=width,
            )
        )
    described = " ; ".join(
        f"{Theme(row.key).short_label} : {format_euros(row.grant)}" for row in plan.by_theme
    )
    return Chart(
        bars=bars,
        width=WIDTH,
        height=TOP * 2 + len(bars) * (BAR_HEIGHT + GAP),
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        description=f"Aides du Département inscrites au plan, par thème. {described}.",
    )
