"""Print occupancy figures for scripts: on a date, or time-weighted over a period."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from carriers.models import Carrier, Unit
from reports.metrics import Figure, occupancy_on, time_weighted_occupancy


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Occupancy figures on a date (--date) or over a period (--from, --to: end exclusive)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, help="Day of the figures (default: today).")
        parser.add_argument("--from", dest="start", type=_date, help="First day of the period.")
        parser.add_argument("--to", dest="end", type=_date, help="Day after the period's end.")
        parser.add_argument("--carrier", help="Carrier code; all carriers if left out.")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        figures = self._figures(options)
        if options["format"] == "json":
            payload = [f.as_json() for f in figures]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self._table(figures))

    def _figures(self, options: dict[str, Any]) -> list[Figure]:
        start, end, day = options["start"], options["end"], options["date"]
        if day and (start or end):
            raise CommandError("Give either --date or --from and --to, not both.")
        if bool(start) != bool(end):
            raise CommandError("A period needs both --from and --to.")
        if start and end <= start:
            raise CommandError("--to must be after --from (the period is [from, to)).")
        units = Unit.objects.all()
        if code := options["carrier"]:
            if not Carrier.objects.filter(code=code).exists():
                raise CommandError(f"No carrier with code {code!r}.")
            units = units.filter(carrier__code=code)
        if start:
            return [time_weighted_occupancy(units, start, end)]
        return list(occupancy_on(units, day or timezone.localdate()).values())

    @staticmethod
    def _table(figures: list[Figure]) -> str:
        lines = [f"{'figure':<30} {'value':>8}  {'numerator':>14} / {'denominator':<14} basis"]
        for f in figures:
            value = "—" if f.value is None else f"{f.value * 100:.2f}%"
            lines.append(
                f"{f.name:<30} {value:>8}  {f.numerator!s:>14} / {f.denominator!s:<14} {f.basis}"
            )
        first = figures[0]
        when = first.on.isoformat() if first.on else " – ".join(d.isoformat() for d in first.period)
        lines.append("")
        lines.append(f"on / period: {when}")
        lines.extend(f"excludes: {text}" for f in figures[:1] for text in f.excludes)
        return "\n".join(lines)
