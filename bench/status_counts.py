"""Units by derived status for the whole district on a date: ORM vs hand-written SQL.

    DATABASE_URL=postgres://.../zaiti_bench .venv/bin/python bench/status_counts.py --scale 1

Loads the demo zone at the given scale if the database is empty, checks that
both ways give the same counts, then prints medians and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt

from harness import STATUS_CASE_SQL, machine, median_ms, record, setup_django, table

RAW_SQL = f"""
SELECT status, count(*) FROM (
  SELECT {STATUS_CASE_SQL} AS status
  FROM carriers_unit u
  LEFT JOIN LATERAL (
    SELECT x.id, x.state, x."end" FROM leasing_allocation x
    WHERE x.unit_id = u.id AND x.start <= %(d)s AND (x."end" IS NULL OR x."end" > %(d)s)
      AND x.state <> 'cancelled' AND NOT (x.state = 'held' AND x.hold_expires_at <= %(now)s)
    LIMIT 1
  ) a ON true
) s GROUP BY status
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from carriers.models import Unit

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark compares against PostgreSQL SQL: set DATABASE_URL.")
    if not Unit.objects.exists():
        call_command("seed_demo", scale=args.scale)

    day = timezone.localdate()
    now = timezone.now()
    params = {"d": day, "soon": day + dt.timedelta(days=90), "now": now}

    def orm() -> dict[str, int]:
        return Unit.objects.status_counts(day)

    def raw() -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, params)
            return dict(cursor.fetchall())

    ours, theirs = orm(), raw()
    assert {k: v for k, v in ours.items() if v} == theirs, (ours, theirs)
    units = Unit.objects.count()
    orm_ms = median_ms(orm, args.repeat)
    raw_ms = median_ms(raw, args.repeat)
    name = "status_counts"
    record(name, "district status counts, ORM", orm_ms, "ms", ratio=orm_ms / raw_ms)
    record(name, "district status counts, hand-written SQL", raw_ms, "ms", ratio=1.0)
    print(f"District unit status counts on {day}, {units:,} units; {machine()}")
    print(
        table(
            [
                ("Unit.objects.status_counts (ORM)", f"{orm_ms:.1f}", f"{orm_ms / raw_ms:.2f}"),
                ("hand-written SQL (LATERAL)", f"{raw_ms:.1f}", "1.00"),
            ],
            ("query", "median ms", "ratio"),
        )
    )


if __name__ == "__main__":
    main()
