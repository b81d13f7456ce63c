"""Horizontal bar charts as geometry for a server-rendered SVG: a label, a bar, the value as text.

The templates draw the bars; the same figures stand in a table next to each chart, so that no one
depends on the picture. Each domain computes the lengths of its bars (amounts in Decimal, rates in float).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

Length = Decimal | float


@dataclass(frozen=True)
class Layout:
    """The sizes of one kind of chart, in SVG units."""

    label_width: int
    value_width: int
    bar_height: int
    gap: int
    width: int = 720
    top: int = 8

    @property
    def bar_area(self) -> int:
        """The length of the longest bar."""
        return self.width - self.label_width - self.value_width


@dataclass(frozen=True)
class Bar:
    label: str
    value_label: str
    y: int
    width: Length
    text_y: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    description: str
    title: str = ""

    @property
    def bar_x(self) -> int:
        return self.label_width

    def value_x(self, bar: Bar) -> Length:
        return self.label_width + bar.width + 6


def bar_chart(
    layout: Layout, rows: Sequence[tuple[str, str, Length]], description: str, *, title: str = ""
) -> Chart:
    """One bar per (label, value as text, length) row, top to bottom; `description` is read aloud."""
    step = layout.bar_height + layout.gap
    bars = []
    for index, (label, value_label, length) in enumerate(rows):
        y = layout.top + index * step
        bars.append(Bar(label, value_label, y, length, y + layout.bar_height // 2 + 5))
    return Chart(
        bars=bars,
        width=layout.width,
        height=layout.top * 2 + max(len(bars), 1) * step,
        label_width=layout.label_width,
        bar_height=layout.bar_height,
        description=description,
        title=title,
    )
