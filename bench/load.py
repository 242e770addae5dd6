"""The load run (issue 6): 50 people for 60 s against gunicorn, PostgreSQL and Redis.

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/zaiti_load \\
        --redis-url redis://127.0.0.1:6379/8            (`make load`; the defaults: 50, 10/s, 60 s)

Method:

1. A database of its own: the database named in --database-url (its name must
   contain "load", so the run can never drop another one) is dropped if it
   exists, created, migrated, and seeded with the demo zone (seed_demo at
   --scale, 1 = the real zone: 60 carriers, ~12,800 units, ~39,000 leases).
   Then one account per virtual person and role (all with one random password,
   hashed once): leadership, space managers of the demo manager's two carriers,
   and tenant users each with a company of their own (named 压测…). The Redis
   database of --redis-url is emptied: the run starts with a cold cache.
2. The site as production runs it (`make serve`, `make worker`): static files
   collected, DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, gunicorn
   with --workers × --threads on a free port of 127.0.0.1 (nothing else is ever
   addressed), and one report worker that warms the dashboard after changes.
   The client sends X-Forwarded-Proto: https as the TLS proxy in front would.
3. locust, headless, with bench/locustfile.py: --users people started at
   --spawn-rate per second, leadership : managers : tenants = 3 : 2 : 5, each
   logging in once, then browsing, searching units, submitting requests,
   offering units and accepting offers, waiting --think seconds (2–6) between
   actions: about 12 requests per second for 50 people when answers are quick. Bounded in
   time (--seconds, and a hard limit on the locust process) and in count
   (each person stops after max_requests_per_person requests).
4. Afterwards, in the database: occupying allocations that overlap on one unit
   (the self-join of bench/allocate_throughput.py; the exclusion constraint
   must have kept it at zero), and requests with more than one live
   allocation (held or active) at once.
5. gunicorn and the worker are stopped, the database dropped (unless
   --keep-db), the Redis database emptied again.

Printed: per page, the requests, server errors (5xx, or no answer at all),
other errors (4xx, or not the answer expected, e.g. sent back to the login
page), p50 and p95 in ms (nearest rank over every sample); then what the
people got done and the checks. Exits non-zero on any server error, any other
error, any overlap or any request with two live allocations. Figures are
printed, never asserted: the CI variant (tests/test_load.py) asserts only the
absence of errors and overlaps.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allocate_throughput import OVERLAPS_SQL
from harness import ROOT, machine, record, setup_django, table

COMPANY_PREFIX = "压测"
# Requests the tenants make (kind, area from, area to), sized to the units of
# the managers' two carriers so that candidates exist.
REQUEST_SHAPES = [("office", 50, 150), ("office", 80, 250), ("lab", 100, 300)]
TWO_LIVE_SQL = """
SELECT count(*) FROM (
  SELECT request_id FROM leasing_allocation
   WHERE request_id IS NOT NULL AND state IN ('held', 'active')
     AND (state <> 'held' OR hold_expires_at > now())
   GROUP BY request_id HAVING count(*) > 1
) AS twice
"""
READY_TIMEOUT = 60  # seconds for gunicorn to answer its first request
STOP_TIMEOUT = 20  # seconds for a process to stop after SIGTERM


# --- the database -------------------------------------------------------------------


def server_url(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(database_url: str) -> str:
    name = urlsplit(database_url).path.lstrip("/")
    if urlsplit(database_url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("The load run is for PostgreSQL: give a postgres:// --database-url.")
    if "load" not in name or not name.replace("_", "").isalnum():
        raise SystemExit(
            f"Refusing database {name!r}: the load run drops and creates its database, "
            "so its name must contain 'load' (e.g. zaiti_load)."
        )
    return name


def recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    name = database_name(database_url)
    with psycopg.connect(server_url(database_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(scale: float, started: float) -> None:
    import io

    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    step(f"seeding the demo zone at scale {scale}", started)
    call_command("seed_demo", scale=scale, stdout=io.StringIO())
    step("collecting static files", started)
    call_command("collectstatic", interactive=False, verbosity=0)


def make_people(users: int, password: str) -> dict[str, Any]:
    """Accounts for every virtual person (as many per role as people in all, so that
    no account is shared whatever locust's mix), and what the people need to know."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from carriers.demo.users import MANAGED_CODES
    from carriers.models import Carrier
    from leasing.access import LEADERSHIP_GROUP, MANAGER_GROUP, TENANT_GROUP
    from leasing.models import Tenant
    from leasing.uscc import make_uscc

    user_model = get_user_model()
    hashed = make_password(password)  # once: hashing is slow on purpose
    accounts: dict[str, list[str]] = {}
    created: dict[str, list[Any]] = {}
    for role, group_name in (
        ("leadership", LEADERSHIP_GROUP),
        ("manager", MANAGER_GROUP),
        ("tenant", TENANT_GROUP),
    ):
        names = [f"load-{role}-{i:03d}" for i in range(users)]
        created[role] = user_model.objects.bulk_create(
            [user_model(username=n, email=f"{n}@example.com", password=hashed) for n in names]
        )
        Group.objects.get_or_create(name=group_name)[0].user_set.add(*created[role])
        accounts[role] = names
    managed = list(Carrier.objects.filter(code__in=MANAGED_CODES).order_by("code"))
    for manager in created["manager"]:
        manager.managed_carriers.add(*managed)
    companies = Tenant.objects.bulk_create(
        [
            Tenant(
                name=f"昆山{COMPANY_PREFIX}{i:03d}科技有限公司",
                # 91 (enterprise) + 320583 (Kunshan) + MA5…: no demo company's code.
                uscc=make_uscc(f"91320583MA5{i:06d}"),
                contact_name="压测联系人",
                contact_phone="0512-00000000",
                employees=10,
            )
            for i in range(users)
        ]
    )
    Tenant.users.through.objects.bulk_create(
        [
            Tenant.users.through(tenant_id=company.pk, user_id=user.pk)
            for company, user in zip(companies, created["tenant"], strict=True)
        ]
    )
    today = timezone.localdate()
    carriers = list(Carrier.objects.order_by("code").values_list("code", flat=True))
    return {
        "password": password,
        "accounts": accounts,
        "today": today.isoformat(),
        "carriers": carriers,
        "managed": [c.code for c in managed],
        "managed_ids": [c.pk for c in managed],
        "company_prefix": COMPANY_PREFIX,
        "request_shapes": REQUEST_SHAPES,
        "unit_searches": unit_searches(managed[0].code, today.isoformat()),
    }


def unit_searches(carrier: str, today: str) -> list[dict[str, str]]:
    """Typical questions asked of /units/ (carriers/search.py)."""
    return [
        {},
        {"carrier": carrier, "status": "vacant"},
        {"kind": "office", "area_min": "100", "area_max": "300", "sort": "rent"},
        {"available_from": today, "term_months": "12", "turnkey_ready": "on", "sort": "-area"},
        {"carrier": carrier, "sort": "status", "page": "2"},
        {"kind": "lab", "rent_max": "70", "seats": "4", "per_page": "20"},
    ]


def invariants() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL)
        overlaps = cursor.fetchone()[0]
        cursor.execute(TWO_LIVE_SQL)
        two_live = cursor.fetchone()[0]
    return {"overlaps": overlaps, "requests with two live allocations": two_live}


def written() -> dict[str, int]:
    """What the run wrote, counted in the database (the client's counts are beside it)."""
    from leasing.models import Allocation, SpaceRequest

    ours = SpaceRequest.objects.filter(tenant__name__contains=COMPANY_PREFIX)
    offers = Allocation.objects.filter(note="load run")
    return {
        "requests of the load companies": ours.count(),
        "offers (holds) made in the run": offers.count(),
        "of which accepted (now leases)": offers.filter(state=Allocation.State.ACTIVE).count(),
    }


def empty_cache() -> None:
    from django.core.cache import cache

    cache.clear()


# --- the processes ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_cpu() -> float:
    """CPU seconds of the children reaped so far (with what they reaped in turn)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> float:
    """Busy CPU seconds of the whole machine since boot (/proc/stat; 0 elsewhere)."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path, cpu: dict[str, float], name: str
) -> Iterator[subprocess.Popen]:
    """A process of ours for the duration of the block, stopped by its own id after;
    its CPU seconds (start-up included) go to cpu[name]."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        before = children_cpu()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        cpu[name] = children_cpu() - before


def wait_until_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped with code {process.returncode} before serving")
        with (
            suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(request, timeout=5) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.25)
    raise SystemExit(f"gunicorn did not answer {url} within {READY_TIMEOUT} s")


# --- the figures --------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest rank: the smallest sample with at least `fraction` of them at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def page_rows(results: dict[str, Any]) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    rows = []
    totals = {"requests": 0, "server errors": 0, "other errors": 0}
    everything: list[float] = []
    for name in sorted(results["samples"], key=lambda n: (n.split(" ", 1)[1], n)):
        samples = results["samples"][name]
        codes = {int(code): n for code, n in results["codes"][name].items()}
        server = sum(n for code, n in codes.items() if code >= 500 or code == 0)
        other = sum(n for code, n in codes.items() if 400 <= code < 500)
        other += sum(results["unexpected"].get(name, {}).values())
        totals["requests"] += len(samples)
        totals["server errors"] += server
        totals["other errors"] += other
        everything += samples
        rows.append(
            (
                name,
                f"{len(samples):,}",
                str(server),
                str(other),
                f"{percentile(samples, 0.5):,.0f}",
                f"{percentile(samples, 0.95):,.0f}",
            )
        )
    if everything:
        rows.append(
            (
                "all",
                f"{totals['requests']:,}",
                str(totals["server errors"]),
                str(totals["other errors"]),
                f"{percentile(everything, 0.5):,.0f}",
                f"{percentile(everything, 0.95):,.0f}",
            )
        )
    return rows, totals


def record_summary(
    args: argparse.Namespace,
    results: dict[str, Any],
    totals: dict[str, int],
    checks: dict[str, int],
) -> None:
    """The run's headline figures for `make bench` (one row per page would be too many):
    every page together, the dashboard, every unit search together and their counts."""
    name = "load"
    samples: dict[str, list[float]] = results["samples"]
    pools = {
        "all pages": [s for values in samples.values() for s in values],
        "dashboard GET /": samples.get("GET /", []),
        "unit search GET /units/": [
            s
            for page, values in samples.items()
            if page.startswith("GET /units/") and not page.startswith("GET /units/count.json")
            for s in values
        ],
        # What the search page's script asks for when the page came without its count.
        "unit count GET /units/count.json": [
            s
            for page, values in samples.items()
            if page.startswith("GET /units/count.json")
            for s in values
        ],
    }
    for label, pool in pools.items():
        if pool:
            record(name, f"{label}, p50", percentile(pool, 0.5), "ms")
            record(name, f"{label}, p95", percentile(pool, 0.95), "ms")
    record(name, f"requests/s, {args.users} people", totals["requests"] / args.seconds, "/s")
    record(name, "server errors (5xx, no answer)", totals["server errors"], "count", target=0)
    record(name, "other errors (4xx, unexpected)", totals["other errors"], "count", target=0)
    record(name, "overlapping allocations afterwards", checks["overlaps"], "count", target=0)
    two_live = "requests with two live allocations"
    record(name, two_live, checks[two_live], "count", target=0)


def report(
    args: argparse.Namespace,
    results: dict[str, Any],
    checks: dict[str, int],
    wrote: dict[str, int],
    cpu: dict[str, float],
) -> dict[str, Any]:
    rows, totals = page_rows(results)
    record_summary(args, results, totals, checks)
    print(
        f"{args.users} people for {args.seconds} s (started {args.spawn_rate}/s, "
        f"{args.think[0]:g}–{args.think[1]:g} s between actions) against "
        f"gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL and Redis, "
        f"demo zone at scale {args.scale}; {machine()}; "
        f"load average {args.load_before:.1f} when it began"
    )
    print(table(rows, ("page", "requests", "5xx/no answer", "other errors", "p50 ms", "p95 ms")))
    print(f"Throughput: {totals['requests'] / args.seconds:,.1f} requests per second.")
    flows = [(name, str(n)) for name, n in sorted(results["flows"].items())]
    print(table([*flows, *((k, str(v)) for k, v in wrote.items())], ("done", "count")))
    print(table([(k, str(v)) for k, v in checks.items()], ("check afterwards", "count")))
    cores = os.cpu_count() or 1
    print(
        table(
            [
                (f"gunicorn, {args.workers} workers (start-up included)", f"{cpu['gunicorn']:.1f}"),
                ("report worker (warming the dashboard)", f"{cpu['report worker']:.1f}"),
                ("locust (the people)", f"{cpu['locust']:.1f}"),
                (
                    f"whole machine while locust ran ({cpu['wall']:.0f} s × {cores} cores = "
                    f"{cpu['wall'] * cores:.0f} s): PostgreSQL, Redis, the above, the rest",
                    f"{cpu['whole machine']:.1f}",
                ),
            ],
            ("CPU seconds", "s"),
        )
    )
    for name, reasons in results["unexpected"].items():
        for reason, n in reasons.items():
            print(f"  unexpected answer × {n} on {name}: {reason}")
    for error in results["task_errors"]:
        print(
            f"  error in the locustfile × {error['count']}: {error['error']}\n{error['traceback']}"
        )
    return {
        **totals,
        **checks,
        "task errors": len(results["task_errors"]),
        "flows": results["flows"],
        "written": wrote,
        "cpu seconds": cpu,
        "pages": {row[0]: row[1:] for row in rows},
    }


# --- the run ------------------------------------------------------------------------


def environment(args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    secret = os.environ.get("SECRET_KEY", "")
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "DEMO_MODE": "0",
        "SECRET_KEY": secret if len(secret) >= 50 else secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "PYTHONUNBUFFERED": "1",
    }


def step(message: str, started: float) -> None:
    print(f"[{time.monotonic() - started:5.1f} s] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    started = time.monotonic()
    env = environment(args, workdir)
    os.environ.update(env)
    setup_django()
    from django.db import connections

    recreate_database(args.database_url)
    try:
        step(f"migrating {database_name(args.database_url)}", started)
        seed(args.scale, started)
        step("making the people's accounts", started)
        plan = make_people(args.users, secrets.token_urlsafe(16))
        empty_cache()
        plan["out"] = str(workdir / "results.json")
        plan["max_requests_per_person"] = max(50, args.seconds * 5)
        plan["think_seconds"] = args.think
        (workdir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False))
        connections.close_all()
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        gunicorn = [
            sys.executable, "-m", "gunicorn", "config.wsgi",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.workers),
            "--threads", str(args.threads),
            "--graceful-timeout", "10",
            "--access-logfile", "-",
        ]  # fmt: skip
        worker = [sys.executable, "manage.py", "report_worker"]
        locust = [
            sys.executable, "-m", "locust",
            "-f", str(ROOT / "bench" / "locustfile.py"),
            "--headless", "--only-summary",
            "--users", str(args.users),
            "--spawn-rate", str(args.spawn_rate),
            "--run-time", f"{args.seconds}s",
            "--host", host,
        ]  # fmt: skip
        logs = {name: workdir / f"{name}.log" for name in ("gunicorn", "worker", "locust")}
        cpu: dict[str, float] = {}
        with (
            running(gunicorn, env, logs["gunicorn"], cpu, "gunicorn") as server,
            running(worker, env, logs["worker"], cpu, "report worker"),
        ):
            wait_until_ready(f"{host}/accounts/login/", server)
            step(f"gunicorn answers on {host}: {args.users} people for {args.seconds} s", started)
            args.load_before = os.getloadavg()[0]
            machine_before, locust_before, wall = machine_cpu(), children_cpu(), time.monotonic()
            with logs["locust"].open("ab") as out:
                subprocess.run(
                    locust,
                    cwd=ROOT,
                    env={**env, "ZAITI_LOAD_PLAN": str(workdir / "plan.json")},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    # Its own bound is --run-time; this one is for a locust that hangs.
                    timeout=args.seconds + 120,
                    check=False,
                )
            cpu["locust"] = children_cpu() - locust_before
            cpu["whole machine"] = machine_cpu() - machine_before
            cpu["wall"] = time.monotonic() - wall
        if not Path(plan["out"]).exists():
            raise SystemExit(f"locust wrote no results; see {logs['locust']}")
        results = json.loads(Path(plan["out"]).read_text())
        step("checking the database", started)
        summary = report(args, results, invariants(), written(), cpu)
    finally:
        connections.close_all()
        with suppress(Exception):
            empty_cache()
        if not args.keep_db:
            recreate_database(args.database_url, drop_only=True)
    return summary


def think_seconds(text: str) -> tuple[float, float]:
    low, high = (float(part) for part in text.split(","))
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError("MIN,MAX with 0 <= MIN <= MAX")
    return low, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("LOAD_REDIS_URL", ""))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument(
        "--think",
        type=think_seconds,
        default=(2.0, 6.0),
        metavar="MIN,MAX",
        help="Seconds a person waits between actions, drawn evenly (default 2,6).",
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep-db", action="store_true", help="Leave the database for a look.")
    parser.add_argument("--json", type=Path, help="Also write the summary here (for tests).")
    args = parser.parse_args()
    if not args.database_url or not args.redis_url:
        parser.error(
            "--database-url and --redis-url are needed (or LOAD_DATABASE_URL, LOAD_REDIS_URL)"
        )
    database_name(args.database_url)
    # Stopped from outside (a test's time limit, a CI runner): unwind, so that
    # gunicorn, the worker and the database go away with the run.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    workdir = Path(tempfile.mkdtemp(prefix="zaiti-load-"))
    summary = None
    try:
        summary = run(args, workdir)
    finally:
        failed = summary is None or any(
            summary[key]
            for key in (
                "server errors",
                "other errors",
                "task errors",
                "overlaps",
                "requests with two live allocations",
            )
        )
        if args.json and summary is not None:
            args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
        if failed:
            print(f"Logs of the run kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        raise SystemExit("The load run found errors or broken invariants: see above.")


if __name__ == "__main__":
    main()
