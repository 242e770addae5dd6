"""Importing space, companies and leases from files: a dry run, or all or nothing."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.imports import columns as C
from carriers.imports.applying import ImportRefused, apply_plan
from carriers.imports.planning import make_plan
from carriers.imports.reading import ImportFileError, Source, read_sources
from carriers.imports.report import Report, row_results
from carriers.imports.rows import Row, parse_tables
from carriers.models import Unit
from leasing.access import Scope

log = logging.getLogger("zaiti.imports")


class _Refused(Exception):
    """Leave the transaction without writing: some row is refused."""


def import_space(
    sources: list[Source],
    *,
    scope: Scope,
    dry_run: bool,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Read, check and (unless dry_run) write the files' rows in one transaction.

    Never raises for bad input: everything wrong is in the report, and if
    anything is wrong nothing is written.
    """
    started = time.monotonic()
    now = now or timezone.now()
    today = today or timezone.localdate()
    report = Report(sources=[s.name for s in sources], dry_run=dry_run)
    try:
        tables = read_sources(sources)
    except ImportFileError as exc:
        report.file_errors = exc.messages
        return report
    rows = parse_tables(tables)
    if dry_run:
        # Reads only, in autocommit: no write lock taken (on SQLite an atomic
        # block would begin with BEGIN IMMEDIATE and hold up every writer).
        plan = make_plan(rows, scope=scope, today=today, now=now)
    else:
        try:
            with transaction.atomic():
                _lock_units(rows)
                plan = make_plan(rows, scope=scope, today=today, now=now)
                if plan.refused:
                    raise _Refused
                apply_plan(plan, note=_("Imported from %(files)s.") % {"files": _names(sources)})
            report.applied = True
        except (_Refused, ImportRefused):
            pass
        except IntegrityError as exc:
            # Something written meanwhile by someone else that the plan could not
            # see (a carrier created with the same code, say).
            log.warning("import refused by the database: %s", exc)
            report.file_errors = [
                _(
                    "The database refused the import: the same data was changed at the same "
                    "time. Nothing was saved; run the import again."
                )
            ]
    report.rows = row_results(rows)
    report.seconds = time.monotonic() - started
    if report.applied:
        log.info(
            "import applied by %s from %s: %s in %.1fs",
            getattr(scope.user, "pk", None),
            report.sources,
            {kind: dict(counts) for kind, _label, counts in report.counts()},
            report.seconds,
        )
    return report


def _names(sources: list[Source]) -> str:
    return "、".join(s.name for s in sources)


def _lock_units(rows: dict[str, list[Row]]) -> None:
    """Lock the units on file that rows of units or leases name, in id order.

    As leasing.services locks a unit before reading its ledger: offers and
    leases written meanwhile wait until this import commits or rolls back,
    so neither the overlap check of the plan nor its check of a unit's new
    dates against its leases can go stale. (On SQLite a no-op: the
    transaction holds the database's write lock already.)
    """
    keys = {
        (r.values.get("carrier"), r.values.get("unit")) for r in (*rows[C.UNITS], *rows[C.LEASES])
    }
    keys = {k for k in keys if None not in k}
    if not keys:
        return
    codes = {c for c, _u in keys}
    units = {u for _c, u in keys}
    candidates = (
        Unit.objects.filter(carrier__code__in=codes, code__in=units)
        .order_by("pk")
        .values_list("pk", "carrier__code", "code")
    )
    ids = [pk for pk, code, unit in candidates if (code, unit) in keys]
    for start in range(0, len(ids), 5000):
        list(
            Unit.objects.select_for_update(no_key=True)
            .filter(pk__in=ids[start : start + 5000])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
