"""Bulk import of the zone's real size (12,000 units) into a fresh PostgreSQL database.

    .venv/bin/python bench/import_space.py [--database-url postgres://.../zaiti_h_import_bench]

Creates its own database (dropped and created again; never zaiti_bench), plans
the demo zone at scale 1 (carriers/demo: buildings, floors, units, and the
companies and leases of today, with their qualifications), writes it as one
import workbook, then times the dry run and the real import (emptying the
tables before each import run) and prints medians and rows per second.
Target (issue 5): the real import under one minute on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from harness import machine, record, setup_django, table

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zaiti_h_import_bench"
ONE_DAY = dt.timedelta(days=1)


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in ("zaiti_bench", "test", "postgres"):
        raise SystemExit(f"refusing to drop {name}: give this benchmark a database of its own")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')


def zone_rows(today: dt.date) -> dict[str, list[list[object]]]:
    """The demo zone at scale 1 as import rows, in each sheet's column order."""
    from carriers.demo.load import UNITS_AT_SCALE_1, unit_counts
    from carriers.demo.plan import ZonePlanner
    from carriers.demo.roster import carrier_count, carrier_roster
    from leasing.models import Allocation

    roster = carrier_roster(seed=2024, count=carrier_count(1))
    planner = ZonePlanner(seed=2024, today=today)
    rows: dict[str, list[list[object]]] = {
        k: [] for k in ("carriers", "buildings", "floors", "units", "tenants", "qualifications")
    }
    rows["leases"] = []
    seen_tenants: set[str] = set()
    for spec, n in zip(roster, unit_counts(roster, UNITS_AT_SCALE_1), strict=True):
        plan = planner.plan(spec, n, others=[s.code for s in roster[: spec.index]])
        c = plan.carrier
        rows["carriers"].append(
            [c.code, c.name, c.kind, c.level, c.operator, c.address, c.industry_focus, c.opened_on]
        )
        inv = plan.inventory
        for b in inv.buildings:
            rows["buildings"].append([c.code, b.code, b.name, b.completed_on])
        for f in inv.floors:
            rows["floors"].append([c.code, f.building.code, f.level, f.label])
        for u in inv.units:
            rows["units"].append(
                [c.code, u.floor.building.code, u.floor.level, u.code, u.kind, u.gross_area,
                 u.usable_area, u.seats, u.list_rent, u.leasable, u.turnkey, u.turnkey_package,
                 u.ready_on, u.in_service_from, u.retired_on]
            )  # fmt: skip
        # Today's leases and those signed to start later: what a zone moving to
        # Zaiti has on paper. Holds (offers) and ended leases stay behind.
        leases = [
            a for a in plan.allocations
            if a.state == Allocation.State.ACTIVE and (a.end is None or a.end > today)
        ]  # fmt: skip
        housed = {a.tenant.uscc for a in leases}
        for t in plan.tenants:
            if t.uscc in housed and t.uscc not in seen_tenants:
                seen_tenants.add(t.uscc)
                rows["tenants"].append(
                    [t.uscc, t.name, t.industry, t.founded_on, t.employees, t.rd_staff,
                     t.contact_name, t.contact_phone, t.contact_email, t.incubation_entered_on,
                     t.graduated_on, t.moved_out_on]
                )  # fmt: skip
        for q in plan.qualifications:
            if q.tenant.uscc in housed:
                until = q.valid_to - ONE_DAY if q.valid_to else None
                rows["qualifications"].append(
                    [q.tenant.uscc, q.kind, q.valid_from, until, q.issuer, q.certificate_no]
                )
        for a in leases:
            rows["leases"].append(
                [c.code, a.unit.code, a.tenant.uscc, a.start, a.end - ONE_DAY if a.end else None,
                 a.contracted_rent, a.rent_free_months, a.deposit, a.signed_on,
                 a.counts_as_incubation, a.note]
            )  # fmt: skip
    # A company housed by two carriers is planned by each: its rows once, its
    # qualifications once.
    rows["qualifications"] = [
        list(r) for r in {tuple(r[:3]): r for r in rows["qualifications"]}.values()
    ]
    return rows


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE leasing_event, leasing_allocation, leasing_qualification, leasing_tenant, "
            "carriers_unit, carriers_floor, carriers_building, carriers_carrier CASCADE"
        )


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="Leave the database behind.")
    args = parser.parse_args()
    recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)  # the cache is beside the point here
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from carriers.imports.reading import Source
    from carriers.imports.service import import_space
    from carriers.imports.template import write_workbook
    from leasing.access import Role, Scope

    try:
        call_command("migrate", verbosity=0)
        made, rows = timed(lambda: zone_rows(timezone.localdate()))
        out = io.BytesIO()
        wrote, _ = timed(lambda: write_workbook(rows, out))
        data = out.getvalue()
        total = sum(len(r) for r in rows.values())
        from django.contrib.auth.models import AnonymousUser

        admin = Scope(AnonymousUser(), Role.ADMIN, frozenset(), frozenset())
        source = [Source("zone.xlsx", data)]
        dry, real = [], []
        for _ in range(args.repeat):
            seconds, report = timed(lambda: import_space(source, scope=admin, dry_run=True))
            assert not report.refused, report.error_lines()[:10]
            dry.append(seconds)
        for _ in range(args.repeat):
            empty_tables()
            seconds, report = timed(lambda: import_space(source, scope=admin, dry_run=False))
            assert report.applied, report.error_lines()[:10]
            real.append(seconds)
        seconds, again = timed(lambda: import_space(source, scope=admin, dry_run=False))
        assert again.applied and all(r.action == "unchanged" for r in again.rows)
        counts = ", ".join(f"{len(v):,} {k}" for k, v in rows.items())
        print(f"Import of the zone at scale 1: {counts}; {total:,} rows, {len(data) / 1e6:.1f} MB")
        print(f"PostgreSQL {connection.pg_version // 10000}; {machine()}")
        print(f"(planning the zone {made:.1f} s, writing the workbook {wrote:.1f} s)")
        med_dry, med_real = statistics.median(dry), statistics.median(real)
        lines = [
            ("dry run (read, check, plan)", med_dry, "—"),
            ("import into empty tables", med_real, "60"),
            ("the same file again (all unchanged, 1 run)", seconds, "—"),
        ]
        for name, s, target in lines:
            record(
                "import_space",
                f"{name}, {total:,} rows",
                s,
                "s",
                target=None if target == "—" else float(target),
            )
        record("import_space", "import into empty tables, rows/s", total / med_real, "rows/s")
        print(
            table(
                [(name, f"{s:.1f}", f"{total / s:,.0f}", target) for name, s, target in lines],
                (f"run (median of {args.repeat})", "seconds", "rows/s", "target s"),
            )
        )
    finally:
        connection.close()
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
