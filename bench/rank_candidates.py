"""Ranking candidate units for one space request, at the zone's size × N.

    DATABASE_URL=postgres://.../zaiti_bench .venv/bin/python bench/rank_candidates.py --scale 10

Loads the demo zone at that scale if the database is empty, then ranks the
candidates of a sample of open requests over all units (the district admin's
view: the largest candidate set) and prints the median per request.
Target (issue 3): median ≤ 100 ms at 10× on PostgreSQL.
"""

from __future__ import annotations

import argparse
import statistics

from harness import machine, median_ms, record, setup_django, table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    from carriers.models import Unit
    from leasing.matching import rank_candidates
    from leasing.models import SpaceRequest

    if not Unit.objects.exists():
        call_command("seed_demo", scale=args.scale)
    requests = list(
        SpaceRequest.objects.filter(status=SpaceRequest.Status.SUBMITTED)
        .select_related("tenant")
        .order_by("pk")[: args.requests]
    )
    units = Unit.objects.all()
    per_request = []
    found = []
    for request in requests:
        per_request.append(
            median_ms(lambda r=request: rank_candidates(r, units, limit=20), args.repeat)
        )
        found.append(len(rank_candidates(request, units, limit=20)))
    n_units = Unit.objects.count()
    name = "rank_candidates"
    median = statistics.median(per_request)
    record(name, "median of per-request medians", median, "ms", target=100)
    record(name, "fastest request", min(per_request), "ms")
    record(name, "slowest request", max(per_request), "ms")
    record(name, "candidates returned (median)", statistics.median(found), "count")
    print(
        f"Candidate ranking over {n_units:,} units on {connection.vendor}, "
        f"{len(requests)} requests × {args.repeat} runs; {machine()}"
    )
    print(
        table(
            [
                ("median of per-request medians", f"{median:.1f}"),
                ("fastest request", f"{min(per_request):.1f}"),
                ("slowest request", f"{max(per_request):.1f}"),
                ("candidates returned (median)", f"{statistics.median(found):.0f}"),
            ],
            ("rank_candidates", "ms"),
        )
    )


if __name__ == "__main__":
    main()
