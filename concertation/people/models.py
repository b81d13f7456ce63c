"""Persons and their dated mandates."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, Text
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column, relationship

from concertation.core.collation import french_order
from concertation.core.labels import LabelledEnum
from concertation.core.text import fold, sort_key
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model
from concertation.territory.models import Canton, Commune, Intercommunality, Syndicate


class Role(LabelledEnum):
    MAIRE = "maire", "Maire"
    MAIRE_DELEGUE = "maire_delegue", "Maire délégué"
    ADJOINT = "adjoint", "Adjoint au maire"
    CONSEILLER_MUNICIPAL = "conseiller_municipal", "Conseiller municipal"
    PRESIDENT_EPCI = "president_epci", "Président de l'intercommunalité"
    VICE_PRESIDENT_EPCI = "vice_president_epci", "Vice-président de l'intercommunalité"
    CONSEILLER_COMMUNAUTAIRE = "conseiller_communautaire", "Conseiller communautaire"
    PRESIDENT_SYNDICAT = "president_syndicat", "Président de syndicat"
    CONSEILLER_DEPARTEMENTAL = "conseiller_departemental", "Conseiller départemental"
    PRESIDENT_CONSEIL_DEPARTEMENTAL = "president_conseil_departemental", "Président du Conseil départemental"


# Which kind of body each role is held in; the président du Conseil départemental has none.
ROLE_BODY: dict[Role, str | None] = {
    Role.MAIRE: "commune",
    Role.MAIRE_DELEGUE: "commune",
    Role.ADJOINT: "commune",
    Role.CONSEILLER_MUNICIPAL: "commune",
    Role.PRESIDENT_EPCI: "intercommunality",
    Role.VICE_PRESIDENT_EPCI: "intercommunality",
    Role.CONSEILLER_COMMUNAUTAIRE: "intercommunality",
    Role.PRESIDENT_SYNDICAT: "syndicate",
    Role.CONSEILLER_DEPARTEMENTAL: "canton",
    Role.PRESIDENT_CONSEIL_DEPARTEMENTAL: None,
}


class MandateSource(StrEnum):
    RNE = "rne"
    MANUAL = "manual"


class Person(Model):
    """An élu or a contact; a person may hold several mandates at once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    civility: Mapped[str] = mapped_column(String(10), default="")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), index=True)
    birth_on: Mapped[date | None]
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    postal_address: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    mandates: Mapped[list[Mandate]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Mandate.starts_on"
    )

    __table_args__ = (Index("ix_person_identity", "last_name", "first_name", "birth_on"),)

    def __repr__(self) -> str:
        return f"<Person {self.full_name}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return f"{self.civility} {self.full_name}".strip()

    @property
    def needs_paper(self) -> bool:
        """No email: invitations must go by post."""
        return not self.email

    def mandates_on(self, on: date) -> list[Mandate]:
        return [m for m in self.mandates if m.is_valid_on(on)]


def person_sort_key(person: Person) -> tuple[object, ...]:
    """Persons by last then first name in French order (Python side of person_order)."""
    return (sort_key(person.last_name), sort_key(person.first_name))


def person_order() -> tuple[ColumnElement[str] | InstrumentedAttribute[str], ...]:
    """ORDER BY terms putting persons in French name order, the same on SQLite and PostgreSQL."""
    return (
        french_order(Person.last_name),
        french_order(Person.first_name),
        Person.last_name,
        Person.first_name,
    )


class Mandate(Model):
    """A role held in a body (commune, intercommunality, canton, syndicate) between two dates."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, 40), index=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"), index=True)
    intercommunality_id: Mapped[int | None] = mapped_column(ForeignKey("intercommunality.id"), index=True)
    canton_id: Mapped[int | None] = mapped_column(ForeignKey("canton.id"), index=True)
    syndicate_id: Mapped[int | None] = mapped_column(
        ForeignKey("syndicate.id", ondelete="CASCADE"), index=True
    )
    function_label: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    source: Mapped[MandateSource] = mapped_column(enum_type(MandateSource, 10), default=MandateSource.MANUAL)

    person: Mapped[Person] = relationship(back_populates="mandates")
    commune: Mapped[Commune | None] = relationship()
    intercommunality: Mapped[Intercommunality | None] = relationship()
    canton: Mapped[Canton | None] = relationship()
    syndicate: Mapped[Syndicate | None] = relationship()

    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"),
        Index("ix_mandate_role_validity", "role", "ends_on"),
    )

    def __repr__(self) -> str:
        return f"<Mandate {self.role} {self.body_name}>"

    def is_valid_on(self, on: date) -> bool:
        return (self.starts_on is None or self.starts_on <= on) and (
            self.ends_on is None or on <= self.ends_on
        )

    @property
    def body_name(self) -> str:
        if self.commune is not None:
            return self.commune.name
        if self.intercommunality is not None:
            return self.intercommunality.name
        if self.canton is not None:
            return canton_label(self.canton.name)
        if self.syndicate is not None:
            return self.syndicate.name
        return "Département de la Lozère"

    @property
    def quality(self) -> str:
        """A French phrase such as "Maire de Marvejols" or "Président de la CC du Gévaudan"."""
        return describe_quality(self.role, self.body_name, self.person.civility)

    @property
    def function_note(self) -> str:
        """The function label when it says more than the quality ("1er vice-président"), else ""."""
        return function_note(self.quality, self.function_label)


def function_note(quality: str, function_label: str) -> str:
    """`function_label` unless the quality already says it: never "Maire de Marvejols (Maire)"."""
    return function_label if function_label and fold(function_label) not in fold(quality) else ""


def canton_label(name: str) -> str:
    """The canton wording with the article rules of a commune: "canton du Collet-de-Dèze"."""
    return f"canton {french_de(name)}"


def describe_quality(role: Role, body: str, civility: str = "") -> str:
    """French wording of a mandate, feminised for "Mme"."""
    feminine = civility.strip().lower().startswith("mme")
    president = "Présidente" if feminine else "Président"
    conseiller = "Conseillère" if feminine else "Conseiller"
    if role is Role.MAIRE:
        return f"Maire {french_de(body)}"
    if role is Role.MAIRE_DELEGUE:
        return f"Maire déléguée {french_de(body)}" if feminine else f"Maire délégué {french_de(body)}"
    if role is Role.ADJOINT:
        return f"Adjointe au maire {french_de(body)}" if feminine else f"Adjoint au maire {french_de(body)}"
    if role is Role.CONSEILLER_MUNICIPAL:
        return (
            f"{conseiller} municipale {french_de(body)}"
            if feminine
            else f"{conseiller} municipal {french_de(body)}"
        )
    if role is Role.PRESIDENT_EPCI:
        return f"{president} {french_de(body)}"
    if role is Role.VICE_PRESIDENT_EPCI:
        return f"Vice-{president.lower()} {french_de(body)}"
    if role is Role.CONSEILLER_COMMUNAUTAIRE:
        return f"{conseiller} communautaire {french_de(body)}"
    if role is Role.PRESIDENT_SYNDICAT:
        return f"{president} {french_de(body)}"
    if role is Role.CONSEILLER_DEPARTEMENTAL:
        wording = "départementale" if feminine else "départemental"
        return f"{conseiller} {wording} ({body})"
    return f"{president} du Conseil départemental de la Lozère"


def french_de(body: str) -> str:
    """French "de" before a body name: "de la CC ...", "du SDEE", "d'Allenc", "du Malzieu"."""
    lowered = body.lower()
    first_word = body.split(" ", 1)[0]
    if lowered.startswith(("cc ", "ca ", "communauté")):
        return f"de la {body}"
    if lowered.startswith("syndicat") or (len(first_word) > 1 and first_word.isupper()):
        return f"du {body}"
    if lowered.startswith("le "):
        return "du " + body[3:]
    if lowered.startswith("les "):
        return "des " + body[4:]
    if lowered.startswith(("la ", "l'")):
        return f"de {body}"
    if lowered[:1] in "aeiouyéèêâîh":
        return f"d'{body}"
    return f"de {body}"
