"""The dossier de séance (issue 15): the Mende Rendez-vous de Territoire, every contract of its sector.

Data: the shipped Lozère territory, the demo élus (`flask demo load`) and one demo contract per CC
(`flask contracts demo`); a Rendez-vous of the Mende sector in April next year.

- **project**: `generate_dossier()` as the button and the API call it: the content read from the database,
  the HTML template, WeasyPrint's PDF/UA rendering and the storage of the new version (rolled back after
  each run, so that every run generates version 1);
- **baseline**: WeasyPrint rendering, in the same process and with the same PDF variant, a static HTML
  document of the same size: the HTML of that very dossier, written once before the timings.

`ratio` = project / baseline (the issue asks ≤ 1.5): what building the content costs on top of printing.
The page count and the times are printed; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, from the root

from pypdf import PdfReader

from bench import _dataset
from concertation.contracts.demo import load_demo_contracts
from concertation.core.timeutils import PARIS, now_utc
from concertation.demo import load_demo
from concertation.dossiers.content import build_dossier
from concertation.dossiers.render import PDF_VARIANT, dossier_html
from concertation.dossiers.services import generate_dossier
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.meetings.services import MeetingInput, create_meeting
from concertation.notifications.pdf import html_to_pdf
from concertation.territory.importer import load_lozere


def mende_rendez_vous() -> Meeting:
    year = now_utc().year + 1
    starts = datetime(year, 4, 13, 14, 0, tzinfo=PARIS)
    return create_meeting(
        MeetingInput(
            kind="rendez_vous",
            title=f"Rendez-vous de Territoire de Mende {year}",
            starts_at=starts,
            ends_at=starts.replace(hour=17),
            sector_town="48095",
            location_name="Hôtel du Département",
            agenda=["Accueil", "Les contrats du secteur", "Questions diverses"],
        ),
        None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with _dataset.bench_app("bench-dossier-") as app, app.app_context():
        load_lozere()
        load_demo()
        contracts = load_demo_contracts()
        meeting = mende_rendez_vous()
        db.session.commit()
        _dataset.analyze()
        meeting_id = meeting.id
        static_html = dossier_html(build_dossier(meeting, version=1, now=now_utc()))
        folder = Path(tempfile.mkdtemp(prefix="bench-dossier-files-"))
        sizes: list[int] = []

        def project() -> None:
            current = db.session.get(Meeting, meeting_id)
            assert current is not None
            document = generate_dossier(current, folder=folder)
            sizes.append(document.size)
            db.session.rollback()

        def baseline() -> None:
            html_to_pdf(static_html, variant=PDF_VARIANT)

        def fresh() -> None:
            # Every run reads the database, as a request would: nothing cached in the session.
            db.session.expire_all()

        (project_s, project_runs), (baseline_s, baseline_runs) = _dataset.compare(
            project, baseline, fresh, repeat=args.repeat
        )
        pdf = html_to_pdf(static_html, variant=PDF_VARIANT)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        sector = db.session.get(Meeting, meeting_id)
        contracts_in_sector = len(sector.sector.intercommunalities) if sector and sector.sector else 0
        database = _dataset.dialect_name()
    print(
        f"Dossier du Rendez-vous de Mende : {pages} pages, {project_s:.2f} s "
        f"(WeasyPrint seul : {baseline_s:.2f} s)"
    )
    print(
        json.dumps(
            {
                "bench": "dossier",
                "pages": pages,
                "contracts_in_sector": contracts_in_sector,
                "demo_contracts": len(contracts),
                "html_chars": len(static_html),
                "pdf_bytes": sizes[-1] if sizes else 0,
                "project_s": round(project_s, 3),
                "baseline_s": round(baseline_s, 3),
                "ratio": round(project_s / baseline_s, 2),
                "ratio_of_minima": round(min(project_runs) / min(baseline_runs), 2),
                "within_1_5": project_s / baseline_s <= 1.5,
                "repeat": args.repeat,
                "database": database,
            }
        )
    )


if __name__ == "__main__":
    main()
