"""Dashboard server time, carrier and district PDFs, and their peak memory, at 10× the zone.

    DATABASE_URL=postgres://.../zaiti_bench .venv/bin/python bench/report_speed.py

Each measure runs in a child process of its own, so its peak resident memory
(ru_maxrss from wait4) is the report's alone. Targets (issue 4): dashboard ≤
150 ms median, carrier PDF ≤ 0.5 s, district PDF for 600 carriers ≤ 90 s,
peak memory of any report ≤ 300 MB.

The dashboard is measured as a person meets it: the first request after a
change to the ledger (cold: every figure computed, then cached) and the
requests after it (warm: served from the cache while nothing changes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import machine, record, setup_django, table

HERE = Path(__file__).resolve()


def _leader():  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group, User

    from leasing.access import LEADERSHIP_GROUP

    user, created = User.objects.get_or_create(username="bench-leader")
    if created:
        user.groups.add(Group.objects.get_or_create(name=LEADERSHIP_GROUP)[0])
    return user


def child(measure: str, repeat: int) -> dict[str, object]:
    setup_django()
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from carriers.models import Carrier
    from reports import cache
    from reports.pdf.carrier import carrier_report
    from reports.pdf.district import district_report

    day = timezone.localdate()
    samples: list[float] = []
    extra: dict[str, object] = {}
    if measure in ("dashboard-cold", "dashboard-warm"):
        client = Client(HTTP_HOST="localhost")
        client.force_login(_leader())
        for i in range(repeat + 1):
            if measure == "dashboard-cold":
                cache.bump()  # as a committed lease or unit change does
            started = time.perf_counter()
            response = client.get("/", secure=True)  # production redirects plain HTTP
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            if i:  # the first warm request fills the cache; the first cold one warms Python
                samples.append(elapsed)
    elif measure in ("carrier-pdf", "carrier-pdf-median"):
        # The largest carrier (the worst case) or one of median size (the usual case).
        by_size = list(Carrier.objects.annotate(n=Count("units")).order_by("-n", "code"))
        carrier = by_size[0] if measure == "carrier-pdf" else by_size[len(by_size) // 2]
        extra["carrier"] = f"{carrier.code} ({carrier.n} units)"
        for i in range(repeat + 1):
            started = time.perf_counter()
            pdf = carrier_report(carrier, day, lang="zh-hans")
            if i:
                samples.append((time.perf_counter() - started) * 1000)
        extra["bytes"] = len(pdf)
    elif measure == "district-pdf":
        ticks: list[int] = []
        started = time.perf_counter()
        pdf = district_report(
            Carrier.objects.order_by("code"),
            day,
            lang="zh-hans",
            progress=lambda done, total: ticks.append(done),
        )
        samples.append((time.perf_counter() - started) * 1000)
        extra["bytes"] = len(pdf)
        extra["progress_updates"] = len(ticks)
        extra["carriers"] = Carrier.objects.count()
    else:
        raise SystemExit(f"unknown measure {measure}")
    return {"median_ms": statistics.median(samples), "runs": len(samples), **extra}


def run_child(measure: str, repeat: int) -> dict[str, object]:
    """Run one measure in its own process; add its peak resident memory."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE), "--child", measure, "--repeat", str(repeat)],
        stdout=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{measure} failed ({proc.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return
    setup_django()
    from django.db import connection

    from carriers.models import Unit

    if connection.vendor != "postgresql":
        raise SystemExit("Run against the benchmark PostgreSQL database: set DATABASE_URL.")
    units = Unit.objects.count()
    rows = []
    peak_mb = 300
    plan = [
        ("dashboard-warm", "dashboard `/`, district, cached", args.repeat, 150),
        ("dashboard-cold", "dashboard `/`, district, after a change", 5, None),
        ("carrier-pdf-median", "carrier PDF (median-size carrier)", 5, 500),
        ("carrier-pdf", "carrier PDF (largest carrier)", 5, 500),
        ("district-pdf", "district PDF, every carrier", 1, 90_000),
    ]
    for measure, label, repeat, target in plan:
        r = run_child(measure, repeat)
        ms = float(r["median_ms"])  # type: ignore[arg-type]
        verdict = "" if target is None else ("ok" if ms <= target else "OVER")
        peak = float(r["peak_mb"])  # type: ignore[arg-type]
        record("report_speed", label, ms, "ms", target=target)
        record("report_speed", f"{label}, peak memory", peak, "MB", target=peak_mb)
        note = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("median_ms", "peak_mb"))
        rows.append(
            (
                label,
                f"{ms:,.1f}",
                "—" if target is None else f"{target:,}",
                verdict,
                f"{peak:.0f}",
                note,
            )
        )
    print(f"Reports at {units:,} units; {machine()}")
    print(table(rows, ("measure", "median ms", "target ms", "", "peak MB", "details")))


if __name__ == "__main__":
    main()
