"""The turnout chart as geometry for a server-rendered SVG (core.chart): one bar per row, 0 to 100 %."""

from __future__ import annotations

from concertation.core.chart import Chart, Layout, bar_chart

LAYOUT = Layout(label_width=300, value_width=70, bar_height=20, gap=8)


def turnout_chart(title: str, rows: list[tuple[str, float | None, str]]) -> Chart:
    """Bars of (label, rate in percent or None, rate as text); the length is the rate."""
    bars = [
        (label if len(label) <= 42 else label[:41] + "…", text, round(LAYOUT.bar_area * (rate or 0) / 100, 1))
        for label, rate, text in rows
    ]
    described = " ; ".join(f"{label} : {text}" for label, _, text in rows)
    return bar_chart(
        LAYOUT, bars, f"{title}. {described}." if rows else f"{title} : aucune donnée.", title=title
    )
