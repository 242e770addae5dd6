"""District occupancy on a date, and the 24-month trend: our metrics vs hand-written SQL.

    DATABASE_URL=postgres://.../zaiti_bench .venv/bin/python bench/occupancy.py --scale 10

Both ways compute the same figures on the same data (the script checks they
agree), then medians and ratios are printed. Targets (issue 4): occupancy on a
date ≤ 1.5× the hand-written query, the trend ≤ 2×.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal

from harness import STATUS_CASE_SQL, machine, median_ms, record, setup_django, table

# Every figure of occupancy_on in one statement: each unit's covering allocation
# through LATERAL, its status as a CASE, then conditional sums.
ON_A_DATE_SQL = f"""
WITH s AS (
  SELECT u.gross_area, u.seats, u.list_rent, u.turnkey, a.contracted_rent,
    {STATUS_CASE_SQL} AS status
  FROM carriers_unit u
  LEFT JOIN LATERAL (
    SELECT x.id, x.state, x."end", x.contracted_rent FROM leasing_allocation x
    WHERE x.unit_id = u.id AND x.start <= %(d)s AND (x."end" IS NULL OR x."end" > %(d)s)
      AND x.state <> 'cancelled' AND NOT (x.state = 'held' AND x.hold_expires_at <= %(now)s)
    LIMIT 1
  ) a ON true
)
SELECT
  sum(gross_area) FILTER (WHERE status IN ('held', 'occupied', 'available_soon')),
  sum(gross_area) FILTER (WHERE status IN ('vacant', 'held', 'occupied', 'available_soon')),
  count(*) FILTER (WHERE status IN ('held', 'occupied', 'available_soon')),
  count(*) FILTER (WHERE status IN ('vacant', 'held', 'occupied', 'available_soon')),
  sum(seats) FILTER (WHERE status IN ('held', 'occupied', 'available_soon')),
  sum(seats) FILTER (WHERE status IN ('vacant', 'held', 'occupied', 'available_soon')),
  sum(contracted_rent * gross_area) FILTER (WHERE status IN ('occupied', 'available_soon')),
  sum(list_rent * gross_area)
    FILTER (WHERE status IN ('vacant', 'held', 'occupied', 'available_soon')),
  sum(gross_area) FILTER (WHERE status = 'available_soon'),
  count(*) FILTER (WHERE status = 'vacant' AND turnkey)
FROM s
"""

# The trend: for each day, the ready in-service units (the base), and the
# occupying allocations covering the day joined to their units.
TREND_SQL = """
WITH days AS (SELECT unnest(%(days)s::date[]) AS d),
base AS (
  SELECT d, sum(u.gross_area) AS area, count(*) AS n
  FROM days JOIN carriers_unit u
    ON u.leasable AND u.in_service_from <= d AND (u.retired_on IS NULL OR u.retired_on > d)
   AND (u.ready_on IS NULL OR u.ready_on <= d)
  GROUP BY d
),
let AS (
  SELECT d, sum(u.gross_area) AS area, count(*) AS n,
         coalesce(sum(u.gross_area) FILTER (WHERE u.ready_on > d), 0) AS unready_area,
         count(*) FILTER (WHERE u.ready_on > d) AS unready_n
  FROM days
  JOIN leasing_allocation a
    ON a.start <= d AND (a."end" IS NULL OR a."end" > d)
   AND a.state <> 'cancelled' AND NOT (a.state = 'held' AND a.hold_expires_at <= %(now)s)
  JOIN carriers_unit u
    ON u.id = a.unit_id AND u.leasable
   AND u.in_service_from <= d AND (u.retired_on IS NULL OR u.retired_on > d)
  GROUP BY d
)
SELECT days.d, coalesce(let.area, 0), coalesce(base.area, 0) + coalesce(let.unready_area, 0),
       coalesce(let.n, 0), coalesce(base.n, 0) + coalesce(let.unready_n, 0)
FROM days LEFT JOIN base USING (d) LEFT JOIN let USING (d) ORDER BY days.d
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from carriers.models import Unit
    from reports.metrics import occupancy_on, occupancy_trend, trend_days

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark compares against PostgreSQL SQL: set DATABASE_URL.")
    if not Unit.objects.exists():
        call_command("seed_demo", scale=args.scale)

    day = timezone.localdate()
    now = timezone.now()
    units = Unit.objects.all()

    def ours_on() -> dict:
        return occupancy_on(units, day, now=now)

    def raw_on() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(
                ON_A_DATE_SQL, {"d": day, "soon": day + dt.timedelta(days=90), "now": now}
            )
            return cursor.fetchone()

    def ours_trend() -> list:
        return occupancy_trend(units, day, months=24, now=now)

    def raw_trend() -> list:
        with connection.cursor() as cursor:
            cursor.execute(TREND_SQL, {"days": trend_days(day, 24), "now": now})
            return cursor.fetchall()

    f, r = ours_on(), raw_on()
    cents = Decimal("0.01")
    assert f["occupancy_area"].numerator == r[0] and f["occupancy_area"].denominator == r[1]
    assert (f["occupancy_count"].numerator, f["occupancy_count"].denominator) == (r[2], r[3])
    assert (f["occupancy_seats"].numerator, f["occupancy_seats"].denominator) == (r[4], r[5])
    assert f["occupancy_economic"].numerator == r[6].quantize(cents)
    assert f["occupancy_economic"].denominator == r[7].quantize(cents)
    assert f["exposure_area"].numerator == r[8]
    assert f["vacant_turnkey_ready"].numerator == r[9]
    for point, row in zip(ours_trend(), raw_trend(), strict=True):
        assert point.on == row[0]
        assert (point.allocated_area, point.leasable_area) == (row[1], row[2]), (point, row)
        assert (point.allocated_units, point.leasable_units) == (row[3], row[4]), (point, row)

    n = units.count()
    rows = []
    for label, ours, raw, ratio_target in (
        ("occupancy on a date (every figure)", ours_on, raw_on, 1.5),
        ("24-month trend (25 days, area and count)", ours_trend, raw_trend, 2.0),
    ):
        ours_ms = median_ms(ours, args.repeat)
        raw_ms = median_ms(raw, args.repeat)
        ratio = ours_ms / raw_ms
        record("occupancy", label, ours_ms, "ms", ratio=ratio, ratio_target=ratio_target)
        record("occupancy", f"{label}, hand-written SQL", raw_ms, "ms", ratio=1.0)
        rows.append((label, f"{ours_ms:.1f}", f"{raw_ms:.1f}", f"{ratio:.2f}"))
    print(f"District occupancy on {day}, {n:,} units; {machine()}")
    print(table(rows, ("figures", "ours ms", "hand SQL ms", "ratio")))


if __name__ == "__main__":
    main()
