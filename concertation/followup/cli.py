"""`flask jobs list` and `flask jobs run NAME`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from concertation.core.timeutils import to_paris
from concertation.followup.jobruns import last_runs
from concertation.followup.jobs import JOBS, job_named, run_recorded

jobs_cli = AppGroup("jobs", help="Tâches périodiques du planificateur.")


@jobs_cli.command("list")
def list_jobs() -> None:
    """Show each job, its period, its last run and outcome, and when it is due next."""
    runs = last_runs()
    for job in JOBS:
        run = runs.get(job.name)
        period = job.period
        if run is None:
            last, due = "jamais", "au démarrage du planificateur"
        else:
            last = f"{to_paris(run.started_at):%d/%m/%Y %H:%M:%S} ({run.outcome}) {run.detail}".strip()
            due = f"{to_paris(run.started_at + period):%d/%m/%Y %H:%M:%S}"
        click.echo(f"{job.name} ({job.label})  toutes les {period}  — {job.description}")
        click.echo(f"    dernier passage : {last}")
        click.echo(f"    prochain passage : {due}")


@jobs_cli.command("run")
@click.argument("name")
def run_job(name: str) -> None:
    """Run one job now, in this process (recorded like a scheduler run)."""
    job = job_named(name)
    if job is None:
        raise click.ClickException(f"Tâche inconnue : {name}. Tâches : {', '.join(j.name for j in JOBS)}.")
    detail = run_recorded(current_app, job)
    click.echo(f"Tâche {name} exécutée : {detail}")
