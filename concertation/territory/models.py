"""Reference data of the territory."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concertation.core.text import sort_key
from concertation.extensions import Model, db


class IntercommunalityKind(StrEnum):
    CC = "CC"
    CA = "CA"
    CU = "CU"
    METRO = "METRO"


canton_communes = Table(
    "canton_commune",
    db.metadata,
    Column("canton_id", ForeignKey("canton.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)

sector_intercommunalities = Table(
    "sector_intercommunality",
    db.metadata,
    Column("sector_id", ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "intercommunality_id",
        ForeignKey("intercommunality.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

sector_communes = Table(
    "sector_commune",
    db.metadata,
    Column("sector_id", ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)


class Commune(Model):
    """A current commune (commune-actuelle of the découpage administratif)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    insee_code: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    departement_code: Mapped[str] = mapped_column(String(3), index=True)
    siren: Mapped[str | None] = mapped_column(String(9))
    postal_codes: Mapped[str] = mapped_column(String(200), default="")
    population: Mapped[int | None]

    cantons: Mapped[list[Canton]] = relationship(
        secondary=canton_communes, back_populates="communes", order_by="Canton.code"
    )
    memberships: Mapped[list[IntercommunalityMembership]] = relationship(
        back_populates="commune", cascade="all, delete-orphan"
    )
    former_communes: Mapped[list[FormerCommune]] = relationship(back_populates="commune")

    def __repr__(self) -> str:
        return f"<Commune {self.insee_code} {self.name}>"

    def intercommunality_on(self, on: date) -> Intercommunality | None:
        """The intercommunality the commune belongs to on a given date."""
        for membership in self.memberships:
            if membership.is_valid_on(on):
                return membership.intercommunality
        return None


class FormerCommune(Model):
    """A former commune merged into a commune nouvelle (commune déléguée or associée)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    insee_code: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id", ondelete="CASCADE"), index=True)
    commune: Mapped[Commune] = relationship(back_populates="former_communes")

    __table_args__ = (UniqueConstraint("insee_code", "kind"),)


class Intercommunality(Model):
    """An EPCI à fiscalité propre (communauté de communes, d'agglomération...)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    siren: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default=IntercommunalityKind.CC)
    seat_commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"))
    population: Mapped[int | None]

    seat_commune: Mapped[Commune | None] = relationship(foreign_keys=[seat_commune_id])
    memberships: Mapped[list[IntercommunalityMembership]] = relationship(
        back_populates="intercommunality", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Intercommunality {self.siren} {self.name}>"

    def communes_on(self, on: date) -> list[Commune]:
        """Member communes on a given date, by name."""
        members = [m.commune for m in self.memberships if m.is_valid_on(on)]
        return sorted(members, key=lambda c: sort_key(c.name))


class IntercommunalityMembership(Model):
    """A commune's membership of an intercommunality, dated (the map changed in 2017)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    intercommunality_id: Mapped[int] = mapped_column(
        ForeignKey("intercommunality.id", ondelete="CASCADE"), index=True
    )
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    intercommunality: Mapped[Intercommunality] = relationship(back_populates="memberships")
    commune: Mapped[Commune] = relationship(back_populates="memberships")

    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    def is_valid_on(self, on: date) -> bool:
        """True when the membership covers the date (open bounds count as unlimited)."""
        return (self.starts_on is None or self.starts_on <= on) and (
            self.ends_on is None or on <= self.ends_on
        )


class Canton(Model):
    """An electoral canton of the département (each elects a pair of conseillers départementaux)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    seat_insee_code: Mapped[str | None] = mapped_column(String(5))

    communes: Mapped[list[Commune]] = relationship(
        secondary=canton_communes, back_populates="cantons", order_by="Commune.name"
    )

    def __repr__(self) -> str:
        return f"<Canton {self.code} {self.name}>"


class SyndicateMember(Model):
    """A member of a syndicate: either a commune or an intercommunality."""

    id: Mapped[int] = mapped_column(primary_key=True)
    syndicate_id: Mapped[int] = mapped_column(ForeignKey("syndicate.id", ondelete="CASCADE"), index=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id", ondelete="CASCADE"))
    intercommunality_id: Mapped[int | None] = mapped_column(
        ForeignKey("intercommunality.id", ondelete="CASCADE")
    )

    syndicate: Mapped[Syndicate] = relationship(back_populates="members")
    commune: Mapped[Commune | None] = relationship()
    intercommunality: Mapped[Intercommunality | None] = relationship()

    __table_args__ = (
        CheckConstraint("(commune_id IS NULL) <> (intercommunality_id IS NULL)", name="one_member_kind"),
        UniqueConstraint("syndicate_id", "commune_id", "intercommunality_id"),
    )

    @property
    def label(self) -> str:
        if self.commune is not None:
            return self.commune.name
        assert self.intercommunality is not None
        return self.intercommunality.name


class Syndicate(Model):
    """A syndicat intercommunal, entered by organisers with its member communes and EPCIs."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)
    purpose: Mapped[str] = mapped_column(String(500), default="")

    members: Mapped[list[SyndicateMember]] = relationship(
        back_populates="syndicate", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Syndicate {self.name}>"


class Sector(Model):
    """The sector of one of the 5 main towns, the scale of a Rendez-vous de Territoire."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("commune.id"), unique=True)

    town: Mapped[Commune] = relationship(foreign_keys=[town_id])
    intercommunalities: Mapped[list[Intercommunality]] = relationship(
        secondary=sector_intercommunalities, order_by="Intercommunality.name"
    )
    extra_communes: Mapped[list[Commune]] = relationship(secondary=sector_communes, order_by="Commune.name")

    def __repr__(self) -> str:
        return f"<Sector {self.name}>"

    def communes_on(self, on: date) -> list[Commune]:
        """Communes of the sector's intercommunalities on a date, plus its single communes."""
        found: dict[int, Commune] = {}
        for epci in self.intercommunalities:
            for commune in epci.communes_on(on):
                found[commune.id] = commune
        for commune in self.extra_communes:
            found[commune.id] = commune
        return sorted(found.values(), key=lambda c: sort_key(c.name))
