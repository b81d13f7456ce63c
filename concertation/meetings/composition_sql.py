"""The SQL of the invitee lists: a meeting's territory as CTEs, and every row a list needs in one statement.

Both statements take bind parameters only (sector_id, epci_id, on; kind and meeting_id for the list) and
never depend on the data: each is compiled once, and PostgreSQL can keep them prepared.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    literal_column,
    or_,
    select,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from concertation.meetings.models import CompositionRule, InviteeOverride, Selector
from concertation.people.models import Mandate, Person, Role
from concertation.territory.models import (
    Canton,
    Commune,
    Intercommunality,
    IntercommunalityMembership,
    Syndicate,
    SyndicateMember,
    canton_communes,
    sector_communes,
    sector_intercommunalities,
)

SECTOR_ID = bindparam("sector_id", type_=Integer)
EPCI_ID = bindparam("epci_id", type_=Integer)
ON = bindparam("on", type_=Date)
KIND = bindparam("kind", type_=String)
MEETING_ID = bindparam("meeting_id", type_=Integer)

# The tag of each row of the list statement.
RULE_ROW = "rule"
OVERRIDE_ROW = "override"
MANDATE_ROW = "mandate"

# The name a président du Conseil départemental is described with (describe_quality does not use it).
DEPARTEMENT_NAME = "Département de la Lozère"

# The mandate role each territorial selector picks, and the kind of body it looks at.
SELECTOR_ROLE: dict[Selector, tuple[Role, str | None]] = {
    Selector.MAIRES: (Role.MAIRE, "commune"),
    Selector.MAIRES_DELEGUES: (Role.MAIRE_DELEGUE, "commune"),
    Selector.ADJOINTS: (Role.ADJOINT, "commune"),
    Selector.PRESIDENTS_EPCI: (Role.PRESIDENT_EPCI, "intercommunality"),
    Selector.VICE_PRESIDENTS_EPCI: (Role.VICE_PRESIDENT_EPCI, "intercommunality"),
    Selector.CONSEILLERS_COMMUNAUTAIRES: (Role.CONSEILLER_COMMUNAUTAIRE, "intercommunality"),
    Selector.PRESIDENTS_SYNDICATS: (Role.PRESIDENT_SYNDICAT, "syndicate"),
    Selector.CONSEILLERS_DEPARTEMENTAUX: (Role.CONSEILLER_DEPARTEMENTAL, "canton"),
    Selector.PRESIDENT_CONSEIL_DEPARTEMENTAL: (Role.PRESIDENT_CONSEIL_DEPARTEMENTAL, None),
}


# Roles that say who a person is: someone the rules bring is also described with those they hold in the
# territory (or in the Département), even when no enabled rule picks that role; the Présidente du Département
# invited as a conseillère départementale is named as both. Council seats (communautaire...) are not.
STANDING_ROLES = frozenset(
    {
        Role.MAIRE,
        Role.PRESIDENT_EPCI,
        Role.VICE_PRESIDENT_EPCI,
        Role.PRESIDENT_SYNDICAT,
        Role.CONSEILLER_DEPARTEMENTAL,
        Role.PRESIDENT_CONSEIL_DEPARTEMENTAL,
    }
)


class TerritoryCtes(NamedTuple):
    """Ids of the bodies a meeting covers on the date ON, each CTE with one column `id`."""

    intercommunalities: CTE
    communes: CTE
    syndicates: CTE
    cantons: CTE


def _constant(value: str) -> ColumnElement[str]:
    """One of our own constants, written into the SQL: fewer parameters to bind at every call."""
    assert "'" not in value
    return literal_column(f"'{value}'", String)


def _valid_on(
    starts_on: InstrumentedAttribute[Any], ends_on: InstrumentedAttribute[Any]
) -> ColumnElement[bool]:
    return and_(or_(starts_on.is_(None), starts_on <= ON), or_(ends_on.is_(None), ends_on >= ON))


def territory_ctes() -> TerritoryCtes:
    """The meeting's intercommunality and the sector's, their member communes on the date and the sector's
    single communes, the syndicates with a member among them, and the cantons of those communes.

    Only the EPCIs named by the meeting or the sector count: a single commune of a sector (Le Rozier, in
    the Florac sector) does not bring its own EPCI (Millau Grands Causses) in.
    """
    epcis = union(
        select(Intercommunality.id).where(Intercommunality.id == EPCI_ID),
        select(sector_intercommunalities.c.intercommunality_id).where(
            sector_intercommunalities.c.sector_id == SECTOR_ID
        ),
    ).cte("territory_epcis")
    communes = union(
        select(IntercommunalityMembership.commune_id.label("id"))
        .join(epcis, epcis.c.id == IntercommunalityMembership.intercommunality_id)
        .where(_valid_on(IntercommunalityMembership.starts_on, IntercommunalityMembership.ends_on)),
        select(sector_communes.c.commune_id).where(sector_communes.c.sector_id == SECTOR_ID),
    ).cte("territory_communes")
    syndicates = union(
        select(SyndicateMember.syndicate_id.label("id")).join(
            communes, communes.c.id == SyndicateMember.commune_id
        ),
        select(SyndicateMember.syndicate_id).join(epcis, epcis.c.id == SyndicateMember.intercommunality_id),
    ).cte("territory_syndicates")
    cantons = (
        select(canton_communes.c.canton_id.label("id"))
        .join(communes, communes.c.id == canton_communes.c.commune_id)
        .distinct()
        .cte("territory_cantons")
    )
    return TerritoryCtes(epcis, communes, syndicates, cantons)


def _bodies(ctes: TerritoryCtes) -> dict[str, tuple[CTE, Any, InstrumentedAttribute[int | None], Any]]:
    """Per kind of body: its CTE, its table, the mandate's column pointing at it, and its display name."""
    return {
        "commune": (ctes.communes, Commune, Mandate.commune_id, Commune.name),
        "intercommunality": (
            ctes.intercommunalities,
            Intercommunality,
            Mandate.intercommunality_id,
            Intercommunality.name,
        ),
        "syndicate": (ctes.syndicates, Syndicate, Mandate.syndicate_id, Syndicate.name),
        # The bare name: "canton de" / "du" / "d'" follows the commune's article rules (canton_label).
        "canton": (ctes.cantons, Canton, Mandate.canton_id, Canton.name),
    }


def build_territory_statement() -> CompoundSelect[str, int, str]:
    """Rows (kind of body, id, name) of every body of the territory."""
    ctes = territory_ctes()
    return union_all(
        *(
            select(_constant(kind), model.id, name).join(cte, cte.c.id == model.id)
            for kind, (cte, model, _, name) in _bodies(ctes).items()
        )
    )


def build_list_statement() -> Select[Person | None, str, str, str, int, int]:
    """Every row a meeting's list is made of, each as (person, tag, code, text, rule position, rule id);
    the position and id of a rule are 0 on the other rows:

    - RULE_ROW: an enabled rule of the meeting's kind; code is its selector, text its label, and the person
      the one a Selector.PERSON rule names;
    - OVERRIDE_ROW: a manual change of the meeting; code is its action, text its reason;
    - MANDATE_ROW: a mandate valid on the date that an enabled territorial rule picks, or of a standing
      role (STANDING_ROLES) held by a person such a mandate brings; code is its role, text the name of its
      body (the bare name of a canton).
    """
    enabled_rules = (CompositionRule.meeting_kind == KIND, CompositionRule.is_enabled.is_(True))
    no_rank = literal_column("0", Integer)
    branches: list[Select[*tuple[Any, ...]]] = [
        select(
            _constant(RULE_ROW).label("tag"),
            CompositionRule.person_id,
            # A plain string: the column also carries override actions and mandate roles.
            type_coerce(CompositionRule.selector, String).label("code"),
            CompositionRule.label.label("text"),
            CompositionRule.position.label("rule_position"),
            CompositionRule.id.label("rule_id"),
        ).where(*enabled_rules),
        select(
            _constant(OVERRIDE_ROW),
            InviteeOverride.person_id,
            InviteeOverride.action,
            InviteeOverride.reason,
            no_rank,
            no_rank,
        ).where(InviteeOverride.meeting_id == MEETING_ID),
    ]
    bodies = _bodies(territory_ctes())
    picked: list[Select[*tuple[Any, ...]]] = []
    standing: list[Select[*tuple[Any, ...]]] = []
    for selector, (role, body) in SELECTOR_ROLE.items():
        # A branch only yields rows when one of its selector's rules is enabled, so the statement never
        # depends on the rules. The gate is an uncorrelated EXISTS beside a constant role: PostgreSQL then
        # skips a disabled branch at once and keeps its role index for the others (comparing the role with
        # a CASE on the gate made its generic plans scan every mandate).
        enabled = (
            select(CompositionRule.id)
            .where(*enabled_rules, CompositionRule.selector == _constant(selector.value))
            .exists()
        )
        columns = (_constant(MANDATE_ROW).label("tag"), Mandate.person_id, Mandate.role.label("code"))
        ranks = (no_rank.label("rule_position"), no_rank.label("rule_id"))
        if body is None:
            branch = select(*columns, _constant(DEPARTEMENT_NAME).label("text"), *ranks)
        else:
            cte, model, column, name = bodies[body]
            branch = (
                select(*columns, name.label("text"), *ranks)
                .select_from(cte)
                .join(Mandate, column == cte.c.id)
                .join(model, model.id == cte.c.id)
            )
        held = (Mandate.role == _constant(role.value), _valid_on(Mandate.starts_on, Mandate.ends_on))
        picked.append(branch.where(enabled, *held))
        if role in STANDING_ROLES:
            standing.append(branch.where(~enabled, *held))
    picked_rows = union_all(*picked).cte("picked_mandates")
    branches.append(select(*picked_rows.c))
    picked_persons = select(picked_rows.c.person_id)
    branches.extend(branch.where(Mandate.person_id.in_(picked_persons)) for branch in standing)
    rows = union_all(*branches).subquery("list_rows")
    return (
        select(Person, rows.c.tag, rows.c.code, rows.c.text, rows.c.rule_position, rows.c.rule_id)
        .select_from(rows)
        .outerjoin(Person, Person.id == rows.c.person_id)
    )
