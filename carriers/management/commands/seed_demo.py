"""manage.py seed_demo [--scale N] [--seed S]: load the demo zone (idempotent)."""

from __future__ import annotations

import argparse
import time
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from carriers.demo import DemoLogin, SeedResult, ensure_demo_users, seed_demo_zone, zone_totals
from carriers.demo.media import seed_demo_media

DEFAULT_SCALE = 0.1
DEFAULT_SEED = 2024  # the year of the zone report the demo follows
ADDED_KEYS = (
    "carriers",
    "buildings",
    "floors",
    "units",
    "tenants",
    "qualifications",
    "allocations",
    "requests",
)


def scale_value(text: str) -> float:
    value = float(text)
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(_("scale must be above 0 and at most 100"))
    return value


def width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns (the last one unpadded) that line up in Chinese too."""
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  "
        + "  ".join(
            [*(c + " " * (w - width(c)) for c, w in zip(row, widths, strict=False)), row[-1]]
        )
        for row in rows
    ]


class Command(BaseCommand):
    help = _(
        "Load a realistic demo zone: carriers, units, tenants, three years of leases, "
        "open requests and one demo login per role. Running it again adds nothing."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--scale",
            type=scale_value,
            default=DEFAULT_SCALE,
            help=_("1 is the real zone (about 60 carriers, 12,000 units); default %(default)s."),
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=_("Random seed; default %(default)s.")
        )
        parser.add_argument(
            "--no-pictures",
            action="store_true",
            help=_("Skip the floor plans, unit photos and cover photos of the named carriers."),
        )

    def handle(
        self, *args: Any, scale: float, seed: int, no_pictures: bool = False, **options: Any
    ) -> None:
        started = time.monotonic()
        today = timezone.localdate()
        self.stdout.write(
            _("Seeding the demo zone: scale %(scale)s, seed %(seed)s, today %(today)s.")
            % {"scale": scale, "seed": seed, "today": today.isoformat()}
        )
        result = seed_demo_zone(scale=scale, seed=seed, today=today, progress=self.stdout.write)
        self._outcome(result, seed)
        if result.added and connection.vendor == "postgresql":
            # Fresh statistics: without them the planner takes a bulk-loaded
            # table for empty, and one report query ran for minutes at 10x.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        demo_mode = bool(settings.DEMO_MODE)
        logins = ensure_demo_users(demo_mode=demo_mode, today=today)
        if not no_pictures:
            # After the demo users: their companies' units are among those photographed.
            pictures = seed_demo_media(seed=seed, today=today)
            self.stdout.write(
                _(
                    "Pictures added: %(plans)d floor plans (%(shapes)d unit shapes), "
                    "%(photos)d unit photos, %(covers)d cover photos."
                )
                % pictures
            )
        self._summary(result, time.monotonic() - started)
        self._logins(logins, demo_mode)

    def _outcome(self, result: SeedResult, seed: int) -> None:
        if result.already_loaded:
            self.stdout.write(
                _("The demo zone of seed %(seed)s at this scale is already loaded: nothing added.")
                % {"seed": seed}
            )
        elif result.skipped:
            self.stdout.write(
                _("Skipped %(n)d carriers already present: %(codes)s.")
                % {"n": len(result.skipped), "codes": ", ".join(result.skipped)}
            )

    def _summary(self, result: SeedResult, seconds: float) -> None:
        self.stdout.write(
            _(
                "Added: %(carriers)d carriers, %(buildings)d buildings, %(floors)d floors, "
                "%(units)d units, %(tenants)d tenants, %(qualifications)d qualifications, "
                "%(allocations)d leases, %(requests)d requests."
            )
            % {key: result.added.get(key, 0) for key in ADDED_KEYS}
        )
        totals = zone_totals()
        self.stdout.write(
            _(
                "In the database: %(carriers)d carriers, %(units)d units, %(area)s m² gross, "
                "%(tenants)d tenants, %(qualifications)d qualifications, %(allocations)d leases, "
                "%(open_requests)d open requests."
            )
            % {**totals, "area": f"{totals['gross_area']:,.2f}"}
        )
        self.stdout.write(self.style.SUCCESS(_("Done in %(s).1f s.") % {"s": seconds}))

    def _logins(self, logins: list[DemoLogin], demo_mode: bool) -> None:
        self.stdout.write(_("Demo logins:"))
        # Own context: Django's catalogue would translate a bare "password" and leave
        # the other headers in English.
        username = pgettext("seed_demo column", "username")
        role = pgettext("seed_demo column", "role")
        scope = pgettext("seed_demo column", "scope")
        if demo_mode:
            password = pgettext("seed_demo column", "password")
            rows = [(username, role, password, scope)]
            rows += [(x.username, x.role, x.password or "", x.scope) for x in logins]
        else:
            rows = [(username, role, scope)] + [(x.username, x.role, x.scope) for x in logins]
        for line in table(rows):
            self.stdout.write(line)
        if not demo_mode:
            self.stdout.write(
                _(
                    "Demo mode is off: passwords are not printed, and demo users created now "
                    "cannot log in until one is set with `manage.py changepassword <username>`."
                )
            )
