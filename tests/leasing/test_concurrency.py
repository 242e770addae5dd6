"""Concurrent allocations of one unit: exactly one wins, the rest are told who did.

Real threads, each with its own database connection, call allocation_create for
the same unit and overlapping dates at once (a barrier releases them together).
The window between the overlap check and the insert is widened on purpose, so
that without the guards the race is certain rather than lucky; the negative
control proves the test can see it.

PostgreSQL: three runs, with the guards on, with both guards off (the negative
control), and with only the exclusion constraint.

SQLite: the suite's own database is in memory, so the race runs in a fresh
process on a SQLite file with the real settings (BEGIN IMMEDIATE, WAL, busy
timeout), once as configured and once with DEFERRED transactions as the control.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import IntegrityError, connection
from django.utils import translation

import leasing.services
from carriers.models import Unit
from leasing.models import Allocation, Tenant
from leasing.services import AllocationConflict, allocation_create
from tests.factories import make_tenant, make_unit

ROOT = Path(__file__).resolve().parents[2]
THREADS = 8
WINDOW = 0.2  # seconds between "no conflict found" and the insert
# A guard against a hang, not a speed check. Without the unit lock the racers'
# inserts can deadlock on the exclusion constraint, and PostgreSQL breaks each
# deadlock only after deadlock_timeout (1 s). In one CI run, before writers
# backed off at random (leasing.services._write), that took 39 deadlocks in 39 s.
JOIN_TIMEOUT = 120.0
START = dt.date(2025, 7, 1)

NO_OVERLAP = importlib.import_module("leasing.migrations.0002_allocation_no_overlap")


@dataclass
class Outcome:
    won: list[Allocation] = field(default_factory=list)
    conflicts: list[AllocationConflict] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def slowed(find_conflict: Callable[..., Allocation | None]) -> Callable[..., Allocation | None]:
    """Make an allocation pause between a clean overlap check and its insert.

    Only a check that found nothing pauses: that is the window a competitor
    could slip through; a check that found the winner has nothing left to race.
    """

    def slow_find_conflict(*args: object, **kwargs: object) -> Allocation | None:
        found = find_conflict(*args, **kwargs)
        if found is None:
            time.sleep(WINDOW)
        return found

    return slow_find_conflict


def race(unit: Unit, tenants: list[Tenant]) -> Outcome:
    """Every tenant asks for the unit at once, each for a year from a slightly
    different start: all the ranges overlap."""
    barrier = threading.Barrier(len(tenants))
    lock = threading.Lock()
    outcome = Outcome()

    def attempt(i: int, tenant: Tenant) -> None:
        translation.activate("en")
        try:
            # Connect before the barrier, so the race is not spread out by
            # connection set-up.
            connection.ensure_connection()
            barrier.wait(timeout=10)
            start = START + dt.timedelta(days=i)
            allocation = allocation_create(
                unit=unit, tenant=tenant, start=start, end=start + dt.timedelta(days=365)
            )
            with lock:
                outcome.won.append(allocation)
        except AllocationConflict as exc:
            with lock:
                outcome.conflicts.append(exc)
                outcome.messages.append(exc.messages[0])
        except BaseException as exc:  # any other outcome is reported by the test
            with lock:
                outcome.errors.append(exc)
        finally:
            translation.deactivate()
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(i, tenant), daemon=True)
        for i, tenant in enumerate(tenants)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a racer is stuck"
    return outcome


def assert_one_winner(outcome: Outcome, unit: Unit) -> Allocation:
    assert outcome.errors == []
    assert len(outcome.won) == 1
    assert len(outcome.conflicts) == THREADS - 1
    winner = outcome.won[0]
    winner.refresh_from_db()
    for conflict, message in zip(outcome.conflicts, outcome.messages, strict=True):
        assert conflict.conflicting.pk == winner.pk
        assert message.startswith(
            f"Unit {unit.code} is already allocated for these dates: "
            f"lease #{winner.pk} to {winner.tenant.name}, {winner.period_label}"
        )
        assert message.endswith("Nothing was saved.")
    assert list(Allocation.objects.filter(unit=unit)) == [winner]
    assert Allocation.objects.filter(unit=unit).occupying().count() == 1
    return winner


# --- PostgreSQL ---------------------------------------------------------------------


def constraint_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = %s "
            "AND conrelid = 'leasing_allocation'::regclass",
            [leasing.services.NO_OVERLAP_CONSTRAINT],
        )
        return cursor.fetchone() is not None


def lock_nothing(unit_id: int) -> Unit:
    return Unit.objects.get(pk=unit_id)


@pytest.fixture
def contenders() -> tuple[Unit, list[Tenant]]:
    unit = make_unit(code="R-101")
    return unit, [make_tenant() for _ in range(THREADS)]


@pytest.fixture
def wide_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leasing.services, "find_conflict", slowed(leasing.services.find_conflict))


@pytest.mark.usefixtures("wide_window")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_concurrent_allocations_in(
    contenders: tuple[Unit, list[Tenant]],
) -> None:
    unit, tenants = contenders
    assert constraint_exists()

    outcome = race(unit, tenants)

    assert_one_winner(outcome, unit)
    # The lock queued the losers behind the winner: each was refused by the
    # check in its own transaction, and never reached the constraint.
    assert all(conflict.__cause__ is None for conflict in outcome.conflicts)


@pytest.mark.usefixtures("wide_window")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_can_see_the_race_when_the_guards_are_off(
    monkeypatch: pytest.MonkeyPatch, contenders: tuple[Unit, list[Tenant]]
) -> None:
    """The negative control: without the lock and the constraint, double
    allocation happens, so the test above would notice if the guards failed."""
    unit, tenants = contenders
    monkeypatch.setattr(leasing.services, "_lock_unit", lock_nothing)
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE leasing_allocation DROP CONSTRAINT "
            f"{leasing.services.NO_OVERLAP_CONSTRAINT}"
        )
    try:
        outcome = race(unit, tenants)

        assert outcome.errors == []
        assert len(outcome.won) > 1
        assert Allocation.objects.filter(unit=unit).occupying().count() > 1
    finally:
        # Put the constraint back exactly as the migration made it, after
        # removing the double allocations it would refuse.
        Allocation.objects.filter(unit=unit).delete()
        with connection.cursor() as cursor:
            cursor.execute(NO_OVERLAP.CREATE)
    assert constraint_exists()


@pytest.mark.usefixtures("wide_window")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_the_constraint_alone_stop_a_race_with_the_same_message(
    monkeypatch: pytest.MonkeyPatch, contenders: tuple[Unit, list[Tenant]]
) -> None:
    unit, tenants = contenders
    monkeypatch.setattr(leasing.services, "_lock_unit", lock_nothing)
    assert constraint_exists()

    outcome = race(unit, tenants)

    assert_one_winner(outcome, unit)
    # Every loser got past the check and was refused by the constraint, and
    # still sees the clear message, not a database error.
    assert all(isinstance(conflict.__cause__, IntegrityError) for conflict in outcome.conflicts)


# --- SQLite --------------------------------------------------------------------------


def sqlite_race(transaction_mode: str) -> dict[str, object]:
    """Run in a fresh process on a migrated SQLite file (see sqlite_outcomes)."""
    from django.conf import settings

    # Read when each thread opens its connection.
    settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = transaction_mode
    unit = make_unit()
    tenants = [make_tenant() for _ in range(THREADS)]
    connection.close()
    # A throwaway process: no need to put the original back.
    leasing.services.find_conflict = slowed(leasing.services.find_conflict)

    outcome = race(unit, tenants)

    return {
        "won": [allocation.pk for allocation in outcome.won],
        "conflicts": [conflict.conflicting.pk for conflict in outcome.conflicts],
        "messages": outcome.messages,
        "errors": [repr(error) for error in outcome.errors],
        "rows": Allocation.objects.filter(unit=unit).occupying().count(),
        "unit": unit.code,
    }


SQLITE_SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.leasing.test_concurrency import sqlite_race
print(json.dumps({mode: sqlite_race(mode) for mode in sys.argv[1:]}))
"""


@pytest.fixture(scope="module")
def sqlite_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    path = tmp_path_factory.mktemp("sqlite-race") / "race.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}},
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SQLITE_BUSY_TIMEOUT": "20",
    }
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_SCRIPT, "IMMEDIATE", "DEFERRED"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_serialises_concurrent_allocations_on_a_sqlite_file(
    sqlite_outcomes: dict[str, dict],
) -> None:
    outcome = sqlite_outcomes["IMMEDIATE"]
    assert outcome["errors"] == []
    assert len(outcome["won"]) == 1
    winner = outcome["won"][0]
    assert outcome["conflicts"] == [winner] * (THREADS - 1)
    assert all(f"lease #{winner} to " in message for message in outcome["messages"])
    assert outcome["rows"] == 1


def test_it_shows_why_sqlite_needs_immediate_transactions(
    sqlite_outcomes: dict[str, dict],
) -> None:
    """The SQLite control: with DEFERRED transactions the writers still cannot
    double-allocate, but losers get "database is locked" instead of the clear
    message, because they upgrade a stale read to a write."""
    outcome = sqlite_outcomes["DEFERRED"]
    assert outcome["rows"] == 1
    assert outcome["errors"], "DEFERRED transactions should have collided"
    assert all("database is locked" in error for error in outcome["errors"])
