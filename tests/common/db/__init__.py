"""Factory functions, one module per domain (as Warehouse's tests/common/db/): each test builds the data it
needs. The everyday ones are gathered here, so that a test can write `from tests.common import db as f`
and then `f.meeting(...)`, `f.person(...)`; the others are imported from their domain's module."""

from tests.common.db.meetings import meeting, paris
from tests.common.db.people import gevaudan_elus, mandate, person
from tests.common.db.territory import canton, commune, epci, syndicate

__all__ = [
    "canton",
    "commune",
    "epci",
    "gevaudan_elus",
    "mandate",
    "meeting",
    "paris",
    "person",
    "syndicate",
]
