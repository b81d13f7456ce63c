"""LabelledEnum (issue 17): one way to declare a vocabulary whose members carry their French label."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from flask import Flask
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.exc import StatementError

from concertation.accounts.models import User
from concertation.accounts.services import create_user
from concertation.contracts.enums import ContractStage, Theme
from concertation.core.labels import LabelledEnum
from concertation.core.roles import UserRole
from concertation.core.types import enum_type
from concertation.extensions import db


class Colour(LabelledEnum):
    RED = "rouge_vif", "Rouge vif", "Rouge"
    GREEN = "vert", "Vert"


def test_value_label_and_short_label() -> None:
    assert Colour.RED.value == "rouge_vif"
    assert Colour.RED == "rouge_vif"
    assert str(Colour.RED) == f"{Colour.RED}" == "rouge_vif"
    assert Colour.RED.label == "Rouge vif"
    assert Colour.RED.short_label == "Rouge"
    # Without a third element the short label is the label.
    assert Colour.GREEN.short_label == Colour.GREEN.label == "Vert"
    assert [c.value for c in Colour] == ["rouge_vif", "vert"]
    assert json.dumps({"colour": Colour.GREEN}) == '{"colour": "vert"}'


def test_lookup_by_value() -> None:
    assert Colour("vert") is Colour.GREEN
    assert Colour["GREEN"] is Colour.GREEN
    with pytest.raises(ValueError, match="not a valid Colour"):
        Colour("Vert")
    assert Colour.get("rouge_vif") is Colour.RED
    assert Colour.get("Rouge vif") is None
    assert Colour.get("") is None


def test_a_member_without_label_is_refused() -> None:
    with pytest.raises(TypeError, match="without a label"):

        class Unlabelled(LabelledEnum):
            ONLY = "only"


def test_pickle_and_copy_give_the_same_member() -> None:
    # ContractStage: a module-level enum, as pickle needs.
    for stage in ContractStage:
        assert pickle.loads(pickle.dumps(stage)) is stage  # noqa: S301 (our own bytes)
        assert copy.copy(stage) is stage
        assert copy.deepcopy(stage) is stage
    assert pickle.loads(pickle.dumps(Theme.EAU)).short_label  # noqa: S301 == "Eau potable, assainissement"


def test_existing_vocabularies_keep_their_behaviour() -> None:
    assert ContractStage.SIGNE.label == "Signé"
    assert ContractStage.MISE_EN_OEUVRE.is_signed and not ContractStage.NEGOCIATION.is_signed
    assert ContractStage.CLOS.rank == len(ContractStage) - 1
    assert Theme.VOIRIE.short_label == Theme.VOIRIE.label == "Voirie"
    assert Theme("urbanisme").label == "Urbanisme, logement et accueil"


def test_every_vocabulary_has_distinct_values_and_labels(app: Flask) -> None:
    # The app factory imported every domain, so every vocabulary is defined by now.
    vocabularies = _subclasses(LabelledEnum)
    assert len(vocabularies) >= 20
    for vocabulary in vocabularies:
        # Two members with the same value would silently make the second an alias with the first's label.
        assert len(vocabulary.__members__) == len(list(vocabulary)), vocabulary
        for member in vocabulary:
            assert member.label.strip() and member.short_label.strip(), member


def test_sqlalchemy_round_trip_on_sqlite() -> None:
    engine = create_engine("sqlite://")
    metadata = MetaData()
    paint = Table(
        "paint", metadata, Column("id", Integer, primary_key=True), Column("colour", enum_type(Colour, 20))
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(paint), [{"colour": Colour.RED}, {"colour": "vert"}])
        # The column holds the values, never the names or the labels.
        assert connection.scalars(text("SELECT colour FROM paint ORDER BY id")).all() == ["rouge_vif", "vert"]
        loaded = connection.scalars(select(paint.c.colour).order_by(paint.c.id)).all()
        assert loaded == [Colour.RED, Colour.GREEN]
        assert all(isinstance(colour, Colour) for colour in loaded)
        with pytest.raises(StatementError):
            connection.execute(insert(paint), {"colour": "Rouge vif"})
    engine.dispose()


def test_round_trip_through_a_model_column(app: Flask) -> None:
    user = create_user("agent@lozere.fr", "mot-de-passe-assez-long", UserRole.ORGANISATEUR)
    db.session.commit()
    user_id = user.id
    db.session.expire_all()
    stored = db.session.scalar(text('SELECT role FROM "user" WHERE id = :id'), {"id": user_id})
    assert stored == "organisateur"
    loaded = db.session.get_one(User, user_id)
    assert loaded.role is UserRole.ORGANISATEUR
    assert loaded.role.label == "Organisateur"


def _subclasses(cls: type[LabelledEnum]) -> list[type[LabelledEnum]]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return [sub for sub in found if sub.__module__.startswith("concertation.")]
