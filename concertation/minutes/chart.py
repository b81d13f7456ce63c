"""The turnout chart as geometry for a server-rendered SVG: one horizontal bar per row, 0 to 100 %.

The template draws it; the same figures are in a table next to it, so no one depends on the picture.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 720
LABEL_WIDTH = 300
VALUE_WIDTH = 70
BAR_HEIGHT = 20
GAP = 8
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value_label: str
    y: int
    width: float

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    description: str

    def value_x(self, bar: Bar) -> float:
        return self.label_width + bar.width + 6


def turnout_chart(title: str, rows: list[tuple[str, float | None, str]]) -> Chart:
    """Bars of (label, rate in percent or None, rate as text); the length is the rate."""
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = [
        Bar(
            label=label if len(label) <= 42 else label[:41] + "…",
            value_label=text,
            y=TOP + index * (BAR_HEIGHT + GAP),
            width=round(area * (rate or 0) / 100, 1),
        )
        for index, (label, rate, text) in enumerate(rows)
    ]
    described = " ; ".join(f"{label} : {text}" for label, _, text in rows)
    return Chart(
        title=title,
        bars=bars,
        width=WIDTH,
        height=TOP * 2 + max(len(bars), 1) * (BAR_HEIGHT + GAP),
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        description=f"{title}. {described}." if rows else f"{title} : aucune donnée.",
    )
