"""One way to declare a fixed vocabulary with French labels: each member carries its label.

    class MinutesStatus(LabelledEnum):
        BROUILLON = "brouillon", "Brouillon"
        VALIDE = "valide", "Validé"

`MinutesStatus.VALIDE` is the string "valide" (what the database column stores, what a form posts, what
`MinutesStatus("valide")` looks up) and `MinutesStatus.VALIDE.label` is "Validé". A third element gives a
shorter label where the full one is too long (a chart legend); without it `short_label` is the label.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabelledEnum(StrEnum):
    """A `StrEnum` whose members are declared `NAME = "value", "Label"` (optionally a short label)."""

    # Annotated so that type checkers see `.value` as the stored string, not the declared tuple.
    _value_: str
    label: str
    short_label: str

    # `label` has a default only for the type checker: after the class is built, `Kind("value")` is the
    # lookup by value, which goes through Enum's own constructor and never reaches this one.
    def __new__(cls, value: str, label: str = "", short_label: str = "") -> Self:
        if not label:
            raise TypeError(f"{cls.__name__}: the member {value!r} is declared without a label")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.short_label = short_label or label
        return member

    @classmethod
    def get(cls, value: str) -> Self | None:
        """The member stored as `value`, or None when it is not one of the values (old or free text)."""
        member = cls._value2member_map_.get(value)
        return member if isinstance(member, cls) else None
