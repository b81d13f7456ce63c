"""Benchmark: import a national-size RNE maires file (35,000 rows) against a plain-CSV baseline.

Run from the repository root: `.venv/bin/python bench/import_rne.py [--rows N] [--repeat K]`.
A fresh SQLite database is built with the migrations in a temporary directory and filled with synthetic
communes (5-character INSEE codes, bench/_rne_data.py) so that every row matches a commune. Then, in the
same process:

- project: `import_rne()` of the file into empty person/mandate tables, then commit (the CLI's work);
- reimport: the same file again (idempotent: nothing to write);
- baseline: csv.reader over the same file + DBAPI executemany of the same rows straight into the real
  person and mandate tables (with their indexes), without validation or matching: the least any import
  of these rows can cost. "ratio" is the project's time over this baseline's;
- scratch: csv.reader + executemany of the raw rows into a scratch table of 14 text columns and no index,
  reported for reference ("scratch_ratio"): writing two indexed tables alone costs about 3× that.

Each timing is the median of `--repeat` runs. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select

from bench import _rne_data
from concertation import create_app
from concertation.extensions import db
from concertation.people.models import Mandate, Person
from concertation.people.rne import import_rne
from concertation.territory.models import Commune
from config import TestConfig

CIVILITY = {"M": "M.", "F": "Mme"}


def iso(day: str) -> str:
    return f"{day[6:]}-{day[3:5]}-{day[:2]}"


def median_time(
    action: Callable[[], object], before: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU time is less disturbed by other processes)."""
    walls, cpus = [], []
    for _ in range(repeat):
        before()
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=35_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-rne-") as tmp:
        from flask_migrate import upgrade

        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.db")
        with app.app_context():
            upgrade()
            commune_rows = _rne_data.communes(args.rows)
            db.session.execute(insert(Commune), commune_rows)
            db.session.commit()
            path = _rne_data.write_csv(
                Path(tmp) / "elus-maires-mai.csv", _rne_data.MAIRES_HEADER, _rne_data.maires(commune_rows)
            )

            def empty_people() -> None:
                db.session.execute(delete(Mandate))
                db.session.execute(delete(Person))
                db.session.commit()

            def project() -> None:
                report = import_rne(path, on=date(2026, 3, 30))
                db.session.commit()
                assert len(report.opened) == args.rows, report.summary()

            project_s, project_cpu = median_time(project, empty_people, args.repeat)
            persons = db.session.scalar(select(func.count()).select_from(Person))

            def reimport() -> None:
                report = import_rne(path, on=date(2026, 3, 30))
                db.session.commit()
                assert not report.has_changes, report.summary()

            reimport_s, _ = median_time(reimport, lambda: None, args.repeat)

            columns = ", ".join(f"c{i} TEXT" for i in range(len(_rne_data.MAIRES_HEADER)))
            marks = ", ".join("?" for _ in _rne_data.MAIRES_HEADER)
            raw = db.engine.raw_connection()

            def fresh_scratch() -> None:
                cursor = raw.cursor()
                cursor.execute("DROP TABLE IF EXISTS scratch")
                cursor.execute(f"CREATE TABLE scratch ({columns})")
                raw.commit()

            def baseline() -> None:
                with path.open(encoding="utf-8", newline="") as handle:
                    reader = csv.reader(handle, delimiter=";")
                    next(reader)
                    rows = list(reader)
                raw.cursor().executemany(f"INSERT INTO scratch VALUES ({marks})", rows)
                raw.commit()

            baseline_s, _scratch_cpu = median_time(baseline, fresh_scratch, args.repeat)

            def empty_people_raw() -> None:
                cursor = raw.cursor()
                cursor.execute("DELETE FROM mandate")
                cursor.execute("DELETE FROM person")
                raw.commit()

            def floor() -> None:
                """The same rows written by hand into the real tables: no validation, no matching."""
                with path.open(encoding="utf-8", newline="") as handle:
                    reader = csv.reader(handle, delimiter=";")
                    next(reader)
                    rows = list(reader)
                cursor = raw.cursor()
                communes = dict(cursor.execute("SELECT insee_code, id FROM commune").fetchall())
                stamp = datetime.now(UTC).isoformat(" ")
                cursor.executemany(
                    "INSERT INTO person (civility, first_name, last_name, birth_on, postal_address, notes,"
                    " is_demo, created_at, updated_at) VALUES (?, ?, ?, ?, '', '', 0, ?, ?)",
                    [(CIVILITY[r[8]], r[7], r[6], iso(r[9]), stamp, stamp) for r in rows],
                )
                ids = [row[0] for row in cursor.execute("SELECT id FROM person ORDER BY id")]
                cursor.executemany(
                    "INSERT INTO mandate (person_id, role, commune_id, function_label, starts_on, source)"
                    " VALUES (?, 'maire', ?, 'Maire', ?, 'rne')",
                    [(pid, communes[r[4]], iso(r[13])) for pid, r in zip(ids, rows, strict=True)],
                )
                raw.commit()

            floor_s, floor_cpu = median_time(floor, empty_people_raw, args.repeat)
            raw.close()
            db.engine.dispose()

    result = {
        "rows": args.rows,
        "project_s": round(project_s, 3),
        "baseline_s": round(floor_s, 3),
        "ratio": round(project_s / floor_s, 2),
        "project_cpu_s": round(project_cpu, 3),
        "baseline_cpu_s": round(floor_cpu, 3),
        "cpu_ratio": round(project_cpu / floor_cpu, 2),
        "within_3x": project_s / floor_s <= 3,
        "under_10_s": project_s < 10,
        "scratch_s": round(baseline_s, 3),
        "scratch_ratio": round(project_s / baseline_s, 2),
        "reimport_s": round(reimport_s, 3),
        "persons": persons,
        "repeat": args.repeat,
        "database": "sqlite",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
