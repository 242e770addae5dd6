"""Print every figure of DESIGN.md §5 for scripts: on a date, or over a period.

On a date (default today): the figures on the day, the period figures of the
twelve months up to it, and month-on-month / year-on-year changes (JSON).
Over a period (--from, --to; end exclusive): the period figures.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from carriers.choices import Industry
from carriers.models import Carrier, Unit
from reports.flows import churn_and_absorption, time_to_fill, vacancy_spells
from reports.incubation import incubation_period
from reports.labels import format_value
from reports.metrics import Figure, time_weighted_occupancy
from reports.summary import summary


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
        parser.add_argument("--building", help="Building code within --carrier.")
        parser.add_argument("--floor", type=int, help="Floor level within --building.")
        parser.add_argument("--kind", choices=Unit.Kind.values, help="Only units of this kind.")
        parser.add_argument(
            "--tenant-industry",
            dest="industry",
            choices=Industry.values,
            help="Figures for the companies of this industry (their share of the space).",
        )
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        figures, changes = self._figures(options)
        if options["format"] == "json":
            payload = [
                {**f.as_json(), **changes.get(f.name, {}), "display": format_value(f.name, f.value)}
                for f in figures
            ]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self._table(figures))

    def _figures(
        self, options: dict[str, Any]
    ) -> tuple[list[Figure], dict[str, dict[str, str | None]]]:
        start, end, day = options["start"], options["end"], options["date"]
        if day and (start or end):
            raise CommandError("Give either --date or --from and --to, not both.")
        if bool(start) != bool(end):
            raise CommandError("A period needs both --from and --to.")
        if start and end <= start:
            raise CommandError("--to must be after --from (the period is [from, to)).")
        units = self._units(options)
        industry = options["industry"]
        if start:
            period = {
                "time_weighted_occupancy_area": time_weighted_occupancy(units, start, end),
                **time_to_fill(units, start, end, industry=industry),
                **vacancy_spells(units, start, end),
                **churn_and_absorption(units, start, end, industry=industry),
                **incubation_period(units, start, end, industry=industry),
            }
            return list(period.values()), {}
        day = day or timezone.localdate()
        result = summary(units, day, industry=options["industry"])

        def text(value: Any) -> str | None:
            return None if value is None else str(value)

        changes = {
            name: {"month_on_month": text(result.mom[name]), "year_on_year": text(result.yoy[name])}
            for name in result.figures
        }
        return list(result.figures.values()), changes

    @staticmethod
    def _units(options: dict[str, Any]) -> Any:
        units = Unit.objects.all()
        code, building, level = options["carrier"], options["building"], options["floor"]
        if building and not code:
            raise CommandError("--building needs --carrier.")
        if level is not None and not building:
            raise CommandError("--floor needs --building.")
        if code:
            if not Carrier.objects.filter(code=code).exists():
                raise CommandError(f"No carrier with code {code!r}.")
            units = units.filter(carrier__code=code)
        if building:
            units = units.filter(floor__building__code=building)
            if not units.exists():
                raise CommandError(f"No units in building {building!r} of {code!r}.")
        if level is not None:
            units = units.filter(floor__level=level)
            if not units.exists():
                raise CommandError(f"No units on floor {level} of building {building!r}.")
        if options["kind"]:
            units = units.filter(kind=options["kind"])
        return units

    @staticmethod
    def _table(figures: list[Figure]) -> str:
        def when(f: Figure) -> str:
            if f.on:
                return f.on.isoformat()
            return "[" + ", ".join(d.isoformat() for d in f.period or ()) + ")"

        head = f"{'figure':<30} {'value':>12}  {'numerator':>16} / {'denominator':<16}"
        lines = [f"{head} {'basis':<7} on / period"]
        for f in figures:
            value = format_value(f.name, f.value)
            lines.append(
                f"{f.name:<30} {value:>12}  {f.numerator!s:>16} / {f.denominator!s:<16} "
                f"{f.basis:<7} {when(f)}"
            )
        lines.append("")
        notes = list(dict.fromkeys(text for f in figures for text in f.excludes))
        lines.extend(f"note: {text}" for text in notes)
        return "\n".join(lines)
