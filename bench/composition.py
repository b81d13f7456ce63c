"""Benchmark: invitee lists computed by the composition rules, against one hand-written SQL query per list.

Run from the repository root: `.venv/bin/python bench/composition.py [--repeat K] [--profile]`.
A fresh database is built with the migrations (SQLite in a temporary directory, or a private PostgreSQL
database when BENCH_DATABASE_URL is set; ANALYZE is run there after each load), then, in the same process:

- Lozère: the shipped territory (load_lozere) with fictional élus (bench/_dataset.py), and the 15
  standard meetings made with create_meeting: 5 Rendez-vous (one per sector town) and 10 concertations
  (one per Lozère CC). project = compute_invitees() of the 15; baseline = one text() query per meeting
  returning (person, civility, role, body name) rows, the territory expanded by joins with the same
  date conditions, plus the standing roles (vice-présidences of the territory's EPCIs, présidence of
  the Conseil départemental) of the persons those rows bring, as the project names them;
- synthetic: a département 10x larger (1,500 communes, 100 EPCIs, 150 cantons, ~15,000 mandates) and
  one Rendez-vous over a sector of 10 EPCIs; same project and baseline.

Each list of the baseline must give the same persons with the same qualities as the project's (asserted).
Each run starts from an empty session (as a request would); one untimed warm-up of each, then project and
baseline alternately (both see the same machine load), `--repeat` runs each; the figures are medians, and
`ratio_of_minima` (fastest project run over fastest baseline run) is given as a check on a loaded machine.
`--profile` prints the cProfile of one project run over the 15 Lozère lists to stderr.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Date, Integer, bindparam, event, select, text

from bench import _dataset
from concertation.extensions import db
from concertation.meetings.composition import DEFAULT_RULES, ComputedInvitee, compute_invitees, rules_for
from concertation.meetings.composition_sql import STANDING_ROLES
from concertation.meetings.models import Meeting, MeetingKind
from concertation.meetings.services import MeetingInput, create_meeting
from concertation.people.models import Role, canton_label, describe_quality
from concertation.territory.models import Intercommunality

SECTOR_TOWNS = ("48095", "48092", "48140", "48080", "48061")
NOT_A_LOZERE_CC = "241200567"  # CC de Millau Grands Causses (Aveyron), present for Le Rozier only

_VALID = "(m.starts_on IS NULL OR m.starts_on <= :on) AND (m.ends_on IS NULL OR m.ends_on >= :on)"
_PICKED = "m.person_id IN (SELECT person_id FROM picked)"
# The default rules (maires, présidents d'EPCI, présidents de syndicats, conseillers départementaux) over
# the territory of a sector or of an intercommunality, written by hand in one statement; then, as the
# project does (STANDING_ROLES), the standing roles no default rule picks held by the persons picked: a
# vice-présidence of an EPCI of the territory, the présidence of the Conseil départemental. Cantons are
# given by their bare name, worded as the project words them (canton_label).
BASELINE_SQL = text(
    f"""
WITH epcis(id) AS (
    SELECT i.id FROM intercommunality i WHERE i.id = :epci_id
    UNION
    SELECT si.intercommunality_id FROM sector_intercommunality si WHERE si.sector_id = :sector_id
),
communes(id) AS (
    SELECT im.commune_id FROM intercommunality_membership im JOIN epcis ON epcis.id = im.intercommunality_id
    WHERE (im.starts_on IS NULL OR im.starts_on <= :on) AND (im.ends_on IS NULL OR im.ends_on >= :on)
    UNION
    SELECT sc.commune_id FROM sector_commune sc WHERE sc.sector_id = :sector_id
),
syndicates(id) AS (
    SELECT sm.syndicate_id FROM syndicate_member sm JOIN communes ON communes.id = sm.commune_id
    UNION
    SELECT sm.syndicate_id FROM syndicate_member sm JOIN epcis ON epcis.id = sm.intercommunality_id
),
cantons(id) AS (
    SELECT DISTINCT cc.canton_id FROM canton_commune cc JOIN communes ON communes.id = cc.commune_id
),
picked(person_id, role, body) AS (
    SELECT m.person_id, m.role, b.name
    FROM communes t JOIN mandate m ON m.commune_id = t.id JOIN commune b ON b.id = t.id
    WHERE m.role = '{Role.MAIRE.value}' AND {_VALID}
    UNION ALL
    SELECT m.person_id, m.role, b.name
    FROM epcis t JOIN mandate m ON m.intercommunality_id = t.id JOIN intercommunality b ON b.id = t.id
    WHERE m.role = '{Role.PRESIDENT_EPCI.value}' AND {_VALID}
    UNION ALL
    SELECT m.person_id, m.role, b.name
    FROM syndicates t JOIN mandate m ON m.syndicate_id = t.id JOIN syndicate b ON b.id = t.id
    WHERE m.role = '{Role.PRESIDENT_SYNDICAT.value}' AND {_VALID}
    UNION ALL
    SELECT m.person_id, m.role, b.name
    FROM cantons t JOIN mandate m ON m.canton_id = t.id JOIN canton b ON b.id = t.id
    WHERE m.role = '{Role.CONSEILLER_DEPARTEMENTAL.value}' AND {_VALID}
),
standing(person_id, role, body) AS (
    SELECT m.person_id, m.role, b.name
    FROM epcis t JOIN mandate m ON m.intercommunality_id = t.id JOIN intercommunality b ON b.id = t.id
    WHERE m.role = '{Role.VICE_PRESIDENT_EPCI.value}' AND {_VALID} AND {_PICKED}
    UNION ALL
    SELECT m.person_id, m.role, ''
    FROM mandate m
    WHERE m.role = '{Role.PRESIDENT_CONSEIL_DEPARTEMENTAL.value}' AND {_VALID} AND {_PICKED}
)
SELECT r.person_id, p.civility, r.role, r.body
FROM (SELECT * FROM picked UNION ALL SELECT * FROM standing) r JOIN person p ON p.id = r.person_id
"""
).bindparams(
    bindparam("epci_id", type_=Integer),
    bindparam("sector_id", type_=Integer),
    bindparam("on", type_=Date),
)

PICKED_ROLES = {Role.MAIRE, Role.PRESIDENT_EPCI, Role.PRESIDENT_SYNDICAT, Role.CONSEILLER_DEPARTEMENTAL}
BASELINE_STANDING = {Role.VICE_PRESIDENT_EPCI, Role.PRESIDENT_CONSEIL_DEPARTEMENTAL}

BaselineRows = dict[int, set[tuple[str, str, str]]]


def baseline_list(sector_id: int | None, epci_id: int | None, on: date) -> BaselineRows:
    """person_id -> {(civility, role, body name)} for one meeting, from one statement (bare canton names)."""
    found: BaselineRows = {}
    for person_id, civility, role, body in db.session.execute(
        BASELINE_SQL, {"epci_id": epci_id, "sector_id": sector_id, "on": on}
    ):
        found.setdefault(person_id, set()).add((civility, role, body))
    return found


def word(civility: str, role: str, body: str) -> str:
    """A baseline row worded as the project words a mandate: the canton with its article rules."""
    held = Role(role)
    if held is Role.CONSEILLER_DEPARTEMENTAL:
        body = canton_label(body)
    return describe_quality(held, body, civility)


def check_same(project: list[ComputedInvitee], baseline: BaselineRows, what: str) -> None:
    """Same persons, and the same qualities once the baseline's rows are worded by describe_quality."""
    project_persons = {line.person.id for line in project}
    assert project_persons == set(baseline), (
        f"{what}: project and baseline differ: {len(project_persons - set(baseline))} only in the project, "
        f"{len(set(baseline) - project_persons)} only in the baseline"
    )
    for line in project:
        worded = {word(civility, role, body) for civility, role, body in baseline[line.person.id]}
        assert set(line.qualities) == worded, (
            f"{what}: qualities of person {line.person.id}: {line.qualities} != {worded}"
        )


class QueryCounter:
    """Counts the statements sent to the database while active."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(db.engine, "before_cursor_execute", self)


def measure(meeting_ids: Sequence[int], repeat: int, what: str) -> dict[str, Any]:
    """Project and baseline over the same meetings: medians, checks and query counts."""
    meetings: list[Meeting] = []
    project_results: list[list[ComputedInvitee]] = []
    baseline_results: list[BaselineRows] = []

    def fresh_session() -> None:
        db.session.close()
        meetings[:] = [db.session.get(Meeting, i) for i in meeting_ids]  # type: ignore[misc]

    def project() -> None:
        project_results[:] = [compute_invitees(m) for m in meetings]

    params = []
    fresh_session()
    for meeting in meetings:
        params.append((meeting.sector_id, meeting.intercommunality_id, meeting.on))
        assert [r.selector for r in rules_for(meeting.kind)] == list(DEFAULT_RULES[MeetingKind(meeting.kind)])
    # BASELINE_SQL writes by hand the standing roles the default rules leave to the project's second pass.
    assert STANDING_ROLES - PICKED_ROLES == BASELINE_STANDING, STANDING_ROLES - PICKED_ROLES

    def baseline() -> None:
        baseline_results[:] = [baseline_list(*p) for p in params]

    fresh_session()
    with QueryCounter() as project_queries:
        project()
    fresh_session()
    with QueryCounter() as baseline_queries:
        baseline()
    (project_s, project_runs), (baseline_s, baseline_runs) = _dataset.compare(
        project, baseline, fresh_session, repeat=repeat
    )
    for meeting, computed, expected in zip(meetings, project_results, baseline_results, strict=True):
        check_same(computed, expected, f"{what}: {meeting.title}")
    return {
        "project_s": project_s,
        "baseline_s": baseline_s,
        "project_runs": project_runs,
        "baseline_runs": baseline_runs,
        "invitees": sum(len(lines) for lines in project_results),
        "project_queries": project_queries.count,
        "baseline_queries": baseline_queries.count,
        "meetings": meetings,
    }


def _meeting(kind: str, title: str, starts_at: datetime, **scope: str) -> int:
    meeting = create_meeting(
        MeetingInput(
            kind=kind,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            purpose="diagnostic" if kind == "concertation" else "",
            location_name="Salle polyvalente",
            agenda=["Accueil", "Diagnostic du territoire", "Projets"],
            **scope,
        ),
        None,
    )
    return meeting.id


def lozere_meetings() -> list[int]:
    """The 15 standard meetings of a year: 5 Rendez-vous and 10 concertations, on future weekdays."""
    ids = []
    day = datetime(2027, 3, 1, 14, 0)
    for town in SECTOR_TOWNS:
        ids.append(_meeting("rendez_vous", f"Rendez-vous de Territoire {town}", day, sector_town=town))
        day += timedelta(days=7)
    sirens = db.session.scalars(
        select(Intercommunality.siren)
        .where(Intercommunality.siren != NOT_A_LOZERE_CC)
        .order_by(Intercommunality.siren)
    ).all()
    assert len(sirens) == 10, sirens
    for siren in sirens:
        ids.append(_meeting("concertation", f"Concertation {siren}", day, intercommunality_siren=siren))
        day += timedelta(days=7)
    return ids


def profile(action: Callable[[], object]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print(out.getvalue(), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="cProfile one project run (stderr)")
    args = parser.parse_args()

    with _dataset.bench_app("bench-composition-") as app, app.app_context():
        lozere = _dataset.lozere_elus()
        lozere_ids = lozere_meetings()
        db.session.commit()
        _dataset.analyze()
        local = measure(lozere_ids, args.repeat, "Lozère")
        if args.profile:
            db.session.close()
            meetings = [db.session.get(Meeting, i) for i in lozere_ids]
            profile(lambda: [compute_invitees(m) for m in meetings if m is not None])

        synthetic = _dataset.synthetic_departement()
        synthetic_id = _meeting(
            "rendez_vous",
            "Rendez-vous synthétique",
            datetime(2027, 6, 15, 14, 0),
            sector_town=synthetic.sector_town,
        )
        db.session.commit()
        _dataset.analyze()
        large = measure([synthetic_id], args.repeat, "synthetic")
        database = _dataset.dialect_name()

    project_total = local["project_s"] + large["project_s"]
    baseline_total = local["baseline_s"] + large["baseline_s"]
    result = {
        "lozere_15_project_s": round(local["project_s"], 4),
        "lozere_15_baseline_s": round(local["baseline_s"], 4),
        "synthetic_project_s": round(large["project_s"], 4),
        "synthetic_baseline_s": round(large["baseline_s"], 4),
        "ratio": round(project_total / baseline_total, 2),
        "lozere_ratio": round(local["project_s"] / local["baseline_s"], 2),
        "synthetic_ratio": round(large["project_s"] / large["baseline_s"], 2),
        "ratio_of_minima": round(
            (min(local["project_runs"]) + min(large["project_runs"]))
            / (min(local["baseline_runs"]) + min(large["baseline_runs"])),
            2,
        ),
        "lozere_under_0_2_s": local["project_s"] < 0.2,
        "within_3x": project_total / baseline_total <= 3,
        "lozere_invitee_lines": local["invitees"],
        "synthetic_invitee_lines": large["invitees"],
        "lozere_project_queries": local["project_queries"],
        "lozere_baseline_queries": local["baseline_queries"],
        "synthetic_project_queries": large["project_queries"],
        "lozere_mandates": lozere.mandates,
        "synthetic_mandates": synthetic.mandates,
        "synthetic_communes": synthetic.communes,
        "synthetic_intercommunalities": synthetic.intercommunalities,
        "synthetic_cantons": synthetic.cantons,
        "same_persons_and_qualities": True,
        "repeat": args.repeat,
        "database": database,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
