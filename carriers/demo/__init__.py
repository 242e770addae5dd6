"""The demo zone: a deterministic, realistic Kunshan High-tech Zone (DESIGN.md §2).

    roster.py          which carriers (the five named in the report, then invented ones)
    inventory.py       their buildings, floors and units
    ledger.py          three years of non-overlapping lease history per unit
    companies.py       tenants, their USCCs and incubation dates
    qualifications.py  tech SME, high-tech, gazelle, ... records
    space_requests.py  the open request queue
    plan.py            one carrier's plan, from its own seeded rng
    load.py            bulk writing, idempotent by carrier code and tenant USCC
    users.py           one demo login per role

Everything is drawn from random.Random instances seeded from (seed, carrier
code) and dated relative to a `today` passed in, so one seed and one day
always give the same zone.
"""

from carriers.demo.load import SeedResult, seed_demo_zone, zone_totals
from carriers.demo.users import DemoLogin, ensure_demo_users

__all__ = ["DemoLogin", "SeedResult", "ensure_demo_users", "seed_demo_zone", "zone_totals"]
