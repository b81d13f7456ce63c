"""`flask jobs list` and `flask jobs run NAME`."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from concertation.core.timeutils import to_paris
from concertation.followup.jobruns import last_runs

jobs_cli = AppGroup("jobs", help="Tâches périodiques du planificateur.")


@jobs_cli.command("list")
def list_jobs() -> None:
    """Show each job, its period, its last run and outcome, and when it is due next."""
    from scheduler.jobs import JOBS

    runs = last_runs()
    for job in JOBS:
        run = runs.get(job.name)
        period = timedelta(**job.interval)
        if run is None:
            last, due = "jamais", "au démarrage du planificateur"
        else:
            last = f"{to_paris(run.started_at):%d/%m/%Y %H:%M:%S} ({run.outcome}) {run.detail}".strip()
            due = f"{to_paris(run.started_at + period):%d/%m/%Y %H:%M:%S}"
        click.echo(f"{job.name}  toutes les {period}  — {job.description}")
        click.echo(f"    dernier passage : {last}")
        click.echo(f"    prochain passage : {due}")


@jobs_cli.command("run")
@click.argument("name")
def run_job(name: str) -> None:
    """Run one job now, in this process."""
    from scheduler.jobs import JOBS

    job = next((j for j in JOBS if j.name == name), None)
    if job is None:
        raise click.ClickException(f"Tâche inconnue : {name}. Tâches : {', '.join(j.name for j in JOBS)}.")
    job.func()
    click.echo(f"Tâche {name} exécutée.")
