"""Turnout statistics and the timeline of a contract."""

from __future__ import annotations

from flask import render_template, request

from concertation.contracts.models import Contract
from concertation.core.security import reader_required
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.minutes.chart import turnout_chart
from concertation.minutes.stats import stats_years, turnout_stats
from concertation.minutes.timeline import contract_timeline


@reader_required
def stats() -> str:
    years = stats_years()
    raw = request.args.get("annee", "")
    year = (
        int(raw)
        if raw.isascii() and raw.isdigit() and len(raw) == 4
        else (years[0] if years else today_paris().year)
    )
    found = turnout_stats(year)
    chart = turnout_chart(
        f"Participation aux réunions de {year}",
        [(f"{row.on:%d/%m} · {row.scope}", row.rate, row.rate_label) for row in found.meetings],
    )
    return render_template("minutes/stats.html", stats=found, chart=chart, years=years, year=year)


@reader_required
def contract_timeline_page(contract_id: int) -> str:
    contract = db.get_or_404(Contract, contract_id)
    return render_template("minutes/timeline.html", contract=contract, entries=contract_timeline(contract))
