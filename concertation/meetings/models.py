"""Meetings, agenda items, composition rules and invitee lists."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concertation.accounts.models import User
from concertation.contracts.models import Contract
from concertation.core.labels import LabelledEnum
from concertation.core.timeutils import now_utc, to_paris
from concertation.core.types import UTCDateTime, enum_type
from concertation.core.uploads import StoredFileColumns
from concertation.extensions import Model
from concertation.people.models import Person
from concertation.territory.models import Commune, Intercommunality, Sector


class MeetingKind(LabelledEnum):
    RENDEZ_VOUS = "rendez_vous", "Rendez-vous de Territoire"
    CONCERTATION = "concertation", "Concertation territoriale"
    AUTRE = "autre", "Autre réunion"


class ConcertationPurpose(LabelledEnum):
    DIAGNOSTIC = "diagnostic", "Diagnostic du territoire"
    PROPOSITIONS = "propositions", "Propositions et priorisation des projets"
    NEGOCIATION = "negociation", "Négociation du contrat"
    AVENANT = "avenant", "Préparation d'un avenant"


class MeetingStatus(LabelledEnum):
    BROUILLON = "brouillon", "Brouillon"
    CONVOQUEE = "convoquee", "Convoquée"
    TENUE = "tenue", "Tenue"
    ANNULEE = "annulee", "Annulée"


class Selector(LabelledEnum):
    """What a composition rule selects, over the meeting's territory."""

    MAIRES = "maires", "Maires des communes du territoire"
    MAIRES_DELEGUES = "maires_delegues", "Maires délégués des communes du territoire"
    ADJOINTS = "adjoints", "Adjoints au maire des communes du territoire"
    PRESIDENTS_EPCI = "presidents_epci", "Présidents des intercommunalités du territoire"
    VICE_PRESIDENTS_EPCI = "vice_presidents_epci", "Vice-présidents des intercommunalités du territoire"
    CONSEILLERS_COMMUNAUTAIRES = "conseillers_communautaires", "Conseillers communautaires du territoire"
    PRESIDENTS_SYNDICATS = (
        "presidents_syndicats",
        "Présidents des syndicats ayant un membre dans le territoire",
    )
    CONSEILLERS_DEPARTEMENTAUX = (
        "conseillers_departementaux",
        "Conseillers départementaux des cantons du territoire",
    )
    PRESIDENT_CONSEIL_DEPARTEMENTAL = "president_conseil_departemental", "Président du Conseil départemental"
    PERSON = "person", "Une personne nommément (partenaire, service du Département)"


class InviteeSource(StrEnum):
    RULE = "rule"
    MANUAL = "manual"


class OverrideAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"


class Meeting(Model):
    """A Rendez-vous de Territoire, a concertation territoriale or another meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_type(MeetingKind, 20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(40), default="")
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sector.id"), index=True)
    intercommunality_id: Mapped[int | None] = mapped_column(ForeignKey("intercommunality.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location_name: Mapped[str] = mapped_column(String(300), default="")
    location_address: Mapped[str] = mapped_column(String(500), default="")
    location_commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"))
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, 20), default=MeetingStatus.BROUILLON, index=True
    )
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Contracts arrive with their own domain; the link stays nullable.
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contract.id", ondelete="SET NULL"), index=True
    )
    # iCalendar SEQUENCE of the last REQUEST or CANCEL sent; never decreases.
    sequence: Mapped[int] = mapped_column(default=0)
    # The host of the calendar UID and Message-IDs, fixed when the invitations first go out, so that a
    # later change of CALENDAR_UID_DOMAIN neither orphans the élus' calendar entries nor their answers.
    calendar_uid_domain: Mapped[str] = mapped_column(String(253), default="", server_default="")
    invitees_frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the last change sent to the invitees said, one French line each (the letters repeat it).
    last_changes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    sector: Mapped[Sector | None] = relationship()
    intercommunality: Mapped[Intercommunality | None] = relationship()
    location_commune: Mapped[Commune | None] = relationship()
    organiser: Mapped[User | None] = relationship()
    contract: Mapped[Contract | None] = relationship()
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    overrides: Mapped[list[InviteeOverride]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    invitees: Mapped[list[MeetingInvitee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.kind} {self.title}>"

    @property
    def on(self) -> date:
        """The meeting's date in Lozère, which decides which mandates count."""
        return to_paris(self.starts_at).date()

    @property
    def journal_label(self) -> str:
        """How the audit journal names the meeting an action was about."""
        return f"réunion n° {self.id} : {self.title}"

    @property
    def scope_label(self) -> str:
        if self.sector is not None:
            return f"Secteur de {self.sector.name}"
        if self.intercommunality is not None:
            return self.intercommunality.name
        return "Périmètre libre"

    @property
    def purpose_label(self) -> str:
        purpose = ConcertationPurpose.get(self.purpose)
        if self.kind == MeetingKind.CONCERTATION and purpose is not None:
            return purpose.label
        return self.purpose

    @property
    def is_frozen(self) -> bool:
        return self.invitees_frozen_at is not None

    @property
    def is_editable(self) -> bool:
        """Neither cancelled nor held: its details and its list may still change."""
        return self.status not in (MeetingStatus.ANNULEE, MeetingStatus.TENUE)


class AgendaItem(Model):
    """A point of the ordre du jour."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")


class CompositionRule(Model):
    """One selector of the invitee list of a kind of meeting; admins edit them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_kind: Mapped[MeetingKind] = mapped_column(enum_type(MeetingKind, 20), index=True)
    selector: Mapped[Selector] = mapped_column(enum_type(Selector, 40))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(300), default="")
    is_enabled: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    person: Mapped[Person | None] = relationship()

    @property
    def description(self) -> str:
        if self.label:
            return self.label
        if self.selector == Selector.PERSON and self.person is not None:
            return f"Invité nommément : {self.person.full_name}"
        return self.selector.label


class InviteeOverride(Model):
    """A manual addition or removal, which survives every recomputation of the list."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    action: Mapped[OverrideAction] = mapped_column(enum_type(OverrideAction, 10))
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    meeting: Mapped[Meeting] = relationship(back_populates="overrides")
    person: Mapped[Person] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)


class MeetingInvitee(Model):
    """A line of the frozen list: who was convoked, under which qualities.

    Written when invitations are sent; later changes of mandates or rules only show as a diff
    until the organiser applies it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    qualities: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[InviteeSource] = mapped_column(enum_type(InviteeSource, 10), default=InviteeSource.RULE)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removal_reason: Mapped[str] = mapped_column(String(500), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="invitees")
    person: Mapped[Person] = relationship()

    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    @property
    def is_current(self) -> bool:
        return self.removed_at is None


class DocumentKind(LabelledEnum):
    DOSSIER = "dossier", "Dossier de séance"
    PIECE = "piece", "Pièce jointe"


class MeetingDocument(StoredFileColumns, Model):
    """What the invitees read before the meeting: a version of the generated dossier de séance, or a file
    the organiser attached.

    The file lives under the instance folder with a generated name (`stored_name`); `filename` is the name
    it is downloaded under. A dossier version is never changed nor deleted, so that what was sent can
    always be shown again; `version` numbers the dossiers of a meeting, and the pieces in upload order.
    `notified_at` is when the invitees were told of it, by the convocation's emails or by « Prévenir les
    invités » (None: not yet).
    """

    __tablename__ = "meeting_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, 10))
    version: Mapped[int]
    # The order of the pieces on every page and in the emails (the dossier comes first).
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("meeting_id", "kind", "version"),)

    def __repr__(self) -> str:
        return f"<MeetingDocument {self.id} {self.kind} v{self.version} {self.title}>"
