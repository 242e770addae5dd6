"""Allocations on distinct units by concurrent clients, and the overlaps afterwards.

    DATABASE_URL=postgres://.../zaiti_bench .venv/bin/python bench/allocate_throughput.py

Each of --clients processes opens its own database connection and allocates
its own share of units that are free for a future year, through
leasing.services.allocation_create (lock, check, insert, event). Prints
allocations per second, then counts overlapping occupying allocations with a
self-join (must be zero) and removes what it created.
Target (issue 3): ≥ 200 allocations per second with 16 clients on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import time

from harness import machine, record, setup_django, table

START, END = dt.date(2031, 1, 1), dt.date(2032, 1, 1)
NOTE = "bench/allocate_throughput"

OVERLAPS_SQL = """
SELECT count(*) FROM leasing_allocation a JOIN leasing_allocation b
  ON a.unit_id = b.unit_id AND a.id < b.id
 AND a.state <> 'cancelled' AND b.state <> 'cancelled'
 AND a.start < COALESCE(b."end", 'infinity'::date) AND b.start < COALESCE(a."end", 'infinity'::date)
"""


def worker(args: tuple[list[int], int, mp.synchronize.Barrier]) -> tuple[int, float]:
    unit_ids, tenant_id, barrier = args
    setup_django()
    from carriers.models import Unit
    from leasing.models import Tenant
    from leasing.services import allocation_create

    tenant = Tenant.objects.get(pk=tenant_id)
    units = list(Unit.objects.filter(pk__in=unit_ids))
    barrier.wait()
    started = time.perf_counter()
    for unit in units:
        allocation_create(unit=unit, tenant=tenant, start=START, end=END, note=NOTE)
    return len(units), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=100)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from carriers.models import Unit
    from leasing.matching import available_units
    from leasing.models import Allocation, Tenant

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark is for PostgreSQL: set DATABASE_URL.")
    Allocation.objects.filter(note=NOTE).delete()
    want = args.clients * args.per_client
    free = list(
        available_units(Unit.objects.all(), START, END)
        .order_by("pk")
        .values_list("pk", flat=True)[:want]
    )
    if len(free) < want:
        raise SystemExit(f"only {len(free)} units free for {START}–{END}; lower --per-client")
    tenant_id = Tenant.objects.order_by("pk").values_list("pk", flat=True).first()
    connection.close()
    ctx = mp.get_context("fork")
    barrier = ctx.Manager().Barrier(args.clients)
    shares = [(free[i :: args.clients], tenant_id, barrier) for i in range(args.clients)]
    wall = time.perf_counter()
    with ctx.Pool(args.clients) as pool:
        results = pool.map(worker, shares)
    wall = time.perf_counter() - wall
    made = sum(n for n, _ in results)
    slowest = max(seconds for _, seconds in results)
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL)
        overlaps = cursor.fetchone()[0]
    Allocation.objects.filter(note=NOTE).delete()
    name = "allocate_throughput"
    record(name, "allocations made", made, "count")
    per_second = made / slowest
    spans = f"allocations/s, {args.clients} clients (slowest client's span)"
    record(name, spans, per_second, "/s", target=200, direction="≥")
    record(name, "allocations/s (wall, incl. process start)", made / wall, "/s")
    record(name, "overlapping allocations afterwards", overlaps, "count", target=0)
    print(f"{args.clients} clients allocating distinct units on PostgreSQL; {machine()}")
    print(
        table(
            [
                ("allocations made", f"{made:,}"),
                ("allocations per second (slowest client's span)", f"{per_second:.0f}"),
                ("allocations per second (wall, incl. process start)", f"{made / wall:.0f}"),
                ("overlapping occupying allocations afterwards", str(overlaps)),
            ],
            ("measure", "value"),
        )
    )
    if overlaps:
        raise SystemExit("overlapping allocations found")


if __name__ == "__main__":
    main()
