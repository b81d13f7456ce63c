"""The attendance sheet: every invitee once, with all their qualities, grouped by CC and commune."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from concertation.accounts.models import User, UserRole
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.meetings.calendar import invitee_lines
from concertation.meetings.invitees import freeze_invitees
from concertation.minutes.sheet import build_sheet
from tests.common import db as f
from tests.common.db.territory import GEVAUDAN, MENDE
from tests.common.http import count_queries

pytestmark = pytest.mark.usefixtures("lozere")


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_rendez_vous_in_mende_lists_every_invitee_once_with_all_qualities(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    load_demo()
    meeting = f.meeting("rendez_vous", town=MENDE, title="Rendez-vous de Territoire de Mende 2027")
    freeze_invitees(meeting)
    db.session.commit()
    lines = invitee_lines(meeting)
    assert len(lines) > 20
    several = [line for line in lines if len(line.qualities) > 1]
    assert several, "the demo has élus with several mandates"
    login(UserRole.LECTEUR)
    response = client.get(f"/reunions/{meeting.id}/feuille-emargement.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _text(response.data)
    names = Counter(line.person.display_name for line in lines)
    for line in lines:
        name = line.person.display_name
        found = re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)
        assert len(found) == names[name], name
        for quality in line.qualities:  # a long quality may wrap in its column
            assert quality.replace(" ", "") in text.replace(" ", ""), (name, quality)
    assert "Signature" in text and "Département de la Lozère" in text and "Invités et partenaires" in text
    # Each invitee in exactly one group, and the communes under their CC.
    db.session.expire_all()
    with count_queries() as queries:
        sheet = build_sheet(meeting)
    assert len(queries) <= 14  # a fixed number, whatever the invitees (answers give the representatives)
    placed = [row.name for group in sheet.groups for sub in group.subgroups for row in sub.rows]
    assert Counter(placed) == names
    titles = [group.title for group in sheet.groups]
    coeur = next(group for group in sheet.groups if group.title == "CC Coeur de Lozère")
    assert "Mende" in [sub.title for sub in coeur.subgroups]
    # The CCs first, by name; then the syndicats and the conseillers départementaux.
    assert titles[-2:] == ["Syndicats intercommunaux", "Conseillers départementaux"]
    assert titles[:-2] == sorted(titles[:-2])


def test_the_maire_of_marvejols_is_under_marvejols_with_his_two_qualities(app: object) -> None:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    sheet = build_sheet(meeting)
    gevaudan = next(group for group in sheet.groups if "Gévaudan" in group.title)
    marvejols = next(sub for sub in gevaudan.subgroups if sub.title == "Marvejols")
    assert [row.qualities for row in marvejols.rows] == [
        ["Maire de Marvejols", "Président de la CC du Gévaudan"]
    ]
    councillors = next(group for group in sheet.groups if group.title == "Conseillers départementaux")
    assert councillors.count >= 2
