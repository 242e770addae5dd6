"""Tiny benchmark harness: medians over repeats, a table, and the machine it ran on."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent

# A unit's status on %(d)s, written by hand (independent of carriers/status.py)
# for the benchmarks' SQL baselines: `u` is the unit, `a` its covering
# allocation (a LATERAL join); %(soon)s is the day 90 days on, %(now)s the moment
# holds expire against.
STATUS_CASE_SQL = """CASE
    WHEN u.in_service_from > %(d)s THEN 'planned'
    WHEN u.retired_on <= %(d)s THEN 'retired'
    WHEN NOT u.leasable THEN 'not_for_lease'
    WHEN a.state = 'held' THEN 'held'
    WHEN a."end" <= %(soon)s AND (u.retired_on IS NULL OR u.retired_on > a."end")
     AND NOT EXISTS (
      SELECT 1 FROM leasing_allocation n
      WHERE n.unit_id = u.id AND n.start = a."end" AND n.state <> 'cancelled'
        AND NOT (n.state = 'held' AND n.hold_expires_at <= %(now)s)
    ) THEN 'available_soon'
    WHEN a.id IS NOT NULL THEN 'occupied'
    WHEN u.ready_on > %(d)s THEN 'not_ready'
    ELSE 'vacant'
  END"""


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def median_ms(fn: Callable[[], object], repeat: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = f"{names[0]} × {len(names)}" if names else cpu
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, Python {platform.python_version()}"


def table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
        for r in rows
    ]
    return "\n".join([line, sep, *body])


def record(
    benchmark: str,
    measure: str,
    value: float,
    unit: str,
    *,
    target: float | None = None,
    direction: Literal["≤", "≥"] = "≤",
    ratio: float | None = None,
    ratio_target: float | None = None,
) -> None:
    """One headline figure for the summary table of `make bench` (bench/summary.py).

    Appends a JSON line to the file named by BENCH_SUMMARY; does nothing when it is
    unset, so a benchmark run by hand prints its own table only. `target` applies to
    `value` in `direction`; `ratio` is against the hand-written SQL, and
    `ratio_target` (≤) where the target is on that ratio rather than on the time.
    """
    path = os.environ.get("BENCH_SUMMARY")
    if not path:
        return
    line = {
        "benchmark": benchmark,
        "measure": measure,
        "value": value,
        "unit": unit,
        "target": target,
        "direction": direction,
        "ratio": ratio,
        "ratio_target": ratio_target,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    # One write of a whole line in append mode: the lines of processes that record
    # at the same time cannot interleave.
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")
