"""Read-side queries of the leadership dashboard, the 租控表 and the occupancy API.

Where a page stands on the district → carrier → building → floor ladder is a
`Place`, always resolved through the one access layer (leasing.access): a
carrier, building or floor out of the user's scope is a 404, as if absent.

The figures come from reports.metrics / reports.summary (a fixed number of
queries whatever the number of units) and are cached per place, date and
filters by reports.cache, which keeps them exact. Each function here says how
many queries it runs; none grows with the data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from carriers.models import Building, Carrier, Floor, Unit
from carriers.status import UnitStatus
from leasing.access import Scope, get_in_scope
from leasing.terms import add_months
from reports import labels
from reports.cache import FigureCache
from reports.metrics import Figure, TrendPoint, occupancy_by, occupancy_trend
from reports.summary import Summary, summary

DISTRICT, CARRIER, BUILDING, FLOOR = "district", "carrier", "building", "floor"
CHILD_LEVEL = {DISTRICT: CARRIER, CARRIER: BUILDING, BUILDING: FLOOR, FLOOR: None}
TREND_MONTHS = 24

# --- where: the place on the ladder ------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A level of the ladder: the district (as far as the user sees it), a carrier,
    a building or a floor."""

    level: str
    scope: Scope
    carrier: Carrier | None = None
    building: Building | None = None
    floor: Floor | None = None

    @property
    def child_level(self) -> str | None:
        return CHILD_LEVEL[self.level]

    @property
    def name(self) -> str:
        if self.floor is not None:
            return f"{self.floor.building.name} · {self.floor.label}"
        if self.building is not None:
            return self.building.name
        if self.carrier is not None:
            return self.carrier.name
        return _("The whole district") if self.scope.reads_everything else _("My carriers")

    @property
    def key(self) -> str:
        """What the figures of this place depend on, for the cache key.

        The district differs by who asks: a manager's district is their
        carriers, so the key names them (a change of assignment is a new key).
        """
        if self.floor is not None:
            return f"floor:{self.floor.pk}"
        if self.building is not None:
            return f"building:{self.building.pk}"
        if self.carrier is not None:
            return f"carrier:{self.carrier.pk}"
        if self.scope.reads_everything:
            return "district:all"
        return "district:" + ",".join(map(str, sorted(self.scope.managed_carrier_ids)))

    @property
    def api_scope(self) -> str:
        """This place as the occupancy API's `scope` parameter."""
        if self.floor is not None:
            return f"floor:{self.floor.pk}"
        if self.building is not None:
            return f"building:{self.building.pk}"
        if self.carrier is not None:
            return f"carrier:{self.carrier.code}"
        return DISTRICT

    def units(self) -> QuerySet[Unit]:
        """The place's units, read through the user's scope."""
        units = self.scope.units()
        if self.floor is not None:
            return units.filter(floor=self.floor)
        if self.building is not None:
            return units.filter(floor__building=self.building)
        if self.carrier is not None:
            return units.filter(carrier=self.carrier)
        return units

    def url(self) -> str:
        if self.floor is not None:
            return reverse("dashboard:floor", args=[self.carrier.code, self.floor.pk])
        if self.building is not None:
            return reverse("dashboard:building", args=[self.carrier.code, self.building.pk])
        if self.carrier is not None:
            return reverse("dashboard:carrier", args=[self.carrier.code])
        return reverse("overview")

    def crumbs(self) -> list[tuple[str, str]]:
        """(name, url) of each level above this one, the district first."""
        district = Place(DISTRICT, self.scope)
        out = [(district.name, district.url())]
        if self.carrier is not None and self.level != CARRIER:
            out.append((self.carrier.name, Place(CARRIER, self.scope, self.carrier).url()))
        if self.floor is not None:
            building = self.floor.building
            out.append((building.name, Place(BUILDING, self.scope, self.carrier, building).url()))
        return out


def district(scope: Scope) -> Place:
    return Place(DISTRICT, scope)


def carrier_place(scope: Scope, code: str) -> Place:
    """A carrier the user may read, or 404 (one query)."""
    return Place(CARRIER, scope, get_in_scope(scope.carriers(), code=code))


def building_place(scope: Scope, building_id: int, code: str | None = None) -> Place:
    """A building of a carrier the user may read (of carrier `code` if given), or 404."""
    buildings = Building.objects.filter(carrier__in=scope.carriers()).select_related("carrier")
    if code is not None:
        buildings = buildings.filter(carrier__code=code)
    building = get_in_scope(buildings, pk=building_id)
    return Place(BUILDING, scope, building.carrier, building)


def floor_place(scope: Scope, floor_id: int, code: str | None = None) -> Place:
    """A floor of a carrier the user may read (of carrier `code` if given), or 404."""
    floors = scope.floors().select_related("building__carrier")
    if code is not None:
        floors = floors.filter(building__carrier__code=code)
    floor = get_in_scope(floors, pk=floor_id)
    return Place(FLOOR, scope, floor.building.carrier, floor.building, floor)


# --- the figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Narrowing of a place's units (empty strings: no filter)."""

    kind: str = ""  # Unit.Kind
    industry: str = ""  # the carrier's industry focus (carriers.choices.Industry)
    # Companies' industry: figures count only space allocated to them (a share
    # of all the leasable space; see reports.metrics.occupancy_on).
    tenant_industry: str = ""

    @property
    def key(self) -> str:
        return f"kind={self.kind}&industry={self.industry}&tenant={self.tenant_industry}"

    @property
    def of_industry(self) -> str | None:
        return self.tenant_industry or None

    def apply(self, units: QuerySet[Unit]) -> QuerySet[Unit]:
        if self.kind:
            units = units.filter(kind=self.kind)
        if self.industry:
            units = units.filter(carrier__industry_focus=self.industry)
        return units

    def apply_to_carriers(self, carriers: QuerySet[Carrier]) -> QuerySet[Carrier]:
        if self.industry:
            carriers = carriers.filter(industry_focus=self.industry)
        return carriers

    def as_query(self) -> dict[str, str]:
        pairs = (
            ("kind", self.kind),
            ("industry", self.industry),
            ("tenant_industry", self.tenant_industry),
        )
        return {k: v for k, v in pairs if v}


def summary_for(place: Place, day: dt.date, filters: Filters, cache: FigureCache) -> Summary:
    """The place's figures on `day` with month-on-month and year-on-year changes (cached)."""
    return cache.get_or_compute(
        "summary",
        (place.key, day.isoformat(), filters.key),
        lambda: summary(
            filters.apply(place.units()), day, now=cache.now, industry=filters.of_industry
        ),
    )


@dataclass(frozen=True)
class Trend:
    points: list[TrendPoint]
    svg: str  # the chart, inline SVG (reports.charts.to_svg)
    svg_narrow: str  # the same, drawn for a phone's width (labels stay readable)


def trend_for(place: Place, day: dt.date, filters: Filters, cache: FigureCache) -> Trend:
    """Occupancy on each of the 25 month-days up to `day`, and its chart (cached; 2 queries)."""

    def compute() -> Trend:
        from reports.charts import to_svg, trend_chart

        points = occupancy_trend(
            filters.apply(place.units()),
            day,
            months=TREND_MONTHS,
            now=cache.now,
            industry=filters.of_industry,
        )
        label = _("Occupancy over the %(n)s months to %(day)s") % {
            "n": TREND_MONTHS,
            "day": day.isoformat(),
        }
        if all(p.occupancy_area is None and p.occupancy_count is None for p in points):
            # Nothing leasable in any month: no chart (and renderSVG cannot draw
            # a line with no points); the page says so in words.
            return Trend(points, "", "")
        return Trend(
            points,
            to_svg(trend_chart(points, width=640, height=220), label=label),
            to_svg(trend_chart(points, width=340, height=240), label=label),
        )

    return cache.get_or_compute("trend", (place.key, day.isoformat(), filters.key), compute)


# --- the tiles --------------------------------------------------------------------------

# The KPI tiles, in order, and whether a rise is good news.
TILES: tuple[tuple[str, bool], ...] = (
    ("occupancy_area", True),
    ("occupancy_count", True),
    ("vacancy_area", False),
    ("exposure_area", False),
    ("vacant_turnkey_ready", True),
    ("time_to_fill_days", False),
    ("incubatee_area_share", True),
)


@dataclass(frozen=True)
class Change:
    text: str  # "+1.2 pts", "—"
    direction: str  # "up", "down", "flat" or "" (no figure)
    tone: str  # "good", "bad" or "" (neutral)

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "flat": "■"}.get(self.direction, "")


def _change(name: str, change: Decimal | None, good_when_up: bool) -> Change:
    if change is None:
        return Change("—", "", "")
    if change == 0:
        return Change(labels.format_change(name, change), "flat", "")
    up = change > 0
    return Change(
        labels.format_change(name, change),
        "up" if up else "down",
        "good" if up == good_when_up else "bad",
    )


def amount(basis: str, value: Decimal) -> str:
    """A numerator or denominator with its unit."""
    if basis == "area":
        return f"{number_format(value, 1, force_grouping=True)} m²"
    if basis == "rent":
        return _("%(n)s CNY/month") % {"n": number_format(value, 0, force_grouping=True)}
    if basis == "count":
        return _("%(n)s units") % {"n": number_format(value, 0, force_grouping=True)}
    if basis == "seats":
        return _("%(n)s seats") % {"n": number_format(value, 0, force_grouping=True)}
    if basis == "days":
        return _("%(n)s requests") % {"n": number_format(value, 0, force_grouping=True)}
    return number_format(value, 2, force_grouping=True)


@dataclass(frozen=True)
class Tile:
    name: str
    label: str
    value: str  # as people read it; "—" for no figure
    figure: Figure | None
    mom: Change
    yoy: Change

    @property
    def basis(self) -> str:
        return labels.basis_label(self.figure.basis) if self.figure else ""

    @property
    def when(self) -> str:
        return labels.when_label(self.figure) if self.figure else ""

    @property
    def ratio_text(self) -> str:
        """numerator ÷ denominator, for rates: what the percentage is made of."""
        figure = self.figure
        if figure is None or labels.kind(figure.name) != labels.PERCENT:
            return ""
        return (
            f"{amount(figure.basis, figure.numerator)} ÷ {amount(figure.basis, figure.denominator)}"
        )

    @property
    def sample_text(self) -> str:
        """For medians: how many cases the median is of."""
        figure = self.figure
        if figure is None or figure.basis != "days":
            return ""
        return amount("days", figure.denominator)


def tiles(summary: Summary) -> list[Tile]:
    out = []
    for name, good_when_up in TILES:
        figure = summary.figures.get(name)
        out.append(
            Tile(
                name=name,
                label=labels.label(name),
                value=labels.display(figure) if figure else "—",
                figure=figure,
                mom=_change(name, summary.mom.get(name), good_when_up),
                yoy=_change(name, summary.yoy.get(name), good_when_up),
            )
        )
    return out


# --- the league table -------------------------------------------------------------------

# Columns of the league table: a figure's name, or one of the two sizes below.
LEAGUE_FIGURES = (
    "occupancy_area",
    "occupancy_count",
    "vacancy_area",
    "exposure_area",
    "vacant_turnkey_ready",
    "occupancy_economic",
)
SIZES = ("leasable_area", "leasable_units")
SORT_KEYS = ("name", *LEAGUE_FIGURES, *SIZES)
DEFAULT_SORT = "-occupancy_area"


@dataclass(frozen=True)
class LeagueRow:
    """One child of the place (a carrier, building or floor) with its figures."""

    pk: int
    name: str
    code: str  # carrier code; building code; floor label
    order: int  # the natural order: code order, floors top first
    figures: dict[str, Figure] = field(default_factory=dict)

    @property
    def bar(self) -> int | None:
        """Occupancy by area rounded to 5 %, for the bar behind the figure (a CSS class)."""
        value = self.value("occupancy_area")
        return None if value is None else round(value * 20) * 5

    def value(self, key: str) -> Decimal | None:
        if key == "leasable_area":
            figure = self.figures.get("occupancy_area")
            return figure.denominator if figure else None
        if key == "leasable_units":
            figure = self.figures.get("occupancy_count")
            return figure.denominator if figure else None
        figure = self.figures.get(key)
        return figure.value if figure else None

    def cells(self) -> list[tuple[str, str]]:
        """(column, text) in column order, "—" where there is no figure."""
        out = []
        for name in LEAGUE_FIGURES:
            figure = self.figures.get(name)
            out.append((name, labels.display(figure) if figure else "—"))
        area, units = self.value("leasable_area"), self.value("leasable_units")
        out.append(
            ("leasable_area", "—" if area is None else number_format(area, 0, force_grouping=True))
        )
        out.append(
            (
                "leasable_units",
                "—" if units is None else number_format(units, 0, force_grouping=True),
            )
        )
        return out


LEVEL_LABELS: dict[str, Callable[[], str]] = {
    CARRIER: lambda: _("Carrier"),
    BUILDING: lambda: _("Building"),
    FLOOR: lambda: _("Floor"),
}


# Short column headers (the full label is the header's tooltip).
SHORT_LABELS: dict[str, Callable[[], str]] = {
    "occupancy_area": lambda: _("Occupancy (area)"),
    "occupancy_count": lambda: _("Occupancy (units)"),
    "vacancy_area": lambda: _("Vacancy (area)"),
    "exposure_area": lambda: _("Ending ≤ 90 days"),
    "vacant_turnkey_ready": lambda: _("Turnkey-ready vacant"),
    "occupancy_economic": lambda: _("Economic (rent)"),
    "leasable_area": lambda: _("Leasable m²"),
    "leasable_units": lambda: _("Leasable units"),
}


def column_label(key: str, child_level: str | None) -> tuple[str, str]:
    """(short header, full label) of a league column."""
    if key == "name":
        text = LEVEL_LABELS[child_level]() if child_level else ""
        return text, text
    full = labels.label(key) if key in labels.FIGURES else SHORT_LABELS[key]()
    return SHORT_LABELS[key](), full


def _children(place: Place, filters: Filters) -> list[tuple[int, str, str]]:
    """(pk, name, code) of the place's children in their natural order (one query)."""
    if place.level == DISTRICT:
        carriers = filters.apply_to_carriers(place.scope.carriers()).order_by("code")
        return list(carriers.values_list("pk", "name", "code"))
    if place.level == CARRIER:
        buildings = Building.objects.filter(carrier=place.carrier).order_by("code")
        return list(buildings.values_list("pk", "name", "code"))
    if place.level == BUILDING:
        floors = Floor.objects.filter(building=place.building).order_by("-level")
        return [(pk, label, label) for pk, label in floors.values_list("pk", "label")]
    return []


def league_for(place: Place, day: dt.date, filters: Filters, cache: FigureCache) -> list[LeagueRow]:
    """The place's children with their figures on `day`, in natural order (cached; 2 queries)."""
    if place.child_level is None:
        return []

    def compute() -> list[LeagueRow]:
        children = _children(place, filters)
        figures = occupancy_by(
            filters.apply(place.units()),
            day,
            place.child_level,
            now=cache.now,
            industry=filters.of_industry,
        )
        return [
            LeagueRow(pk, name, code, i, figures.get(pk, {}))
            for i, (pk, name, code) in enumerate(children)
        ]

    return cache.get_or_compute("league", (place.key, day.isoformat(), filters.key), compute)


def parse_sort(text: str | None) -> str:
    """A valid sort key ("-" for descending), or the default for anything else."""
    key = (text or "").strip()
    return key if key.lstrip("-") in SORT_KEYS and key.count("-") <= 1 else DEFAULT_SORT


def sort_league(rows: list[LeagueRow], sort: str) -> list[LeagueRow]:
    """Rows sorted by a column; rows with no figure go last either way, then natural order."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "name":
        ordered = sorted(rows, key=lambda r: r.order)
        return ordered[::-1] if descending else ordered
    present = [r for r in rows if r.value(key) is not None]
    missing = [r for r in rows if r.value(key) is None]
    present.sort(key=lambda r: r.order)
    present.sort(key=lambda r: r.value(key), reverse=descending)  # stable: ties keep order
    return present + sorted(missing, key=lambda r: r.order)


def child_url(place: Place, row: LeagueRow) -> str:
    if place.level == DISTRICT:
        return reverse("dashboard:carrier", args=[row.code])
    if place.level == CARRIER:
        return reverse("dashboard:building", args=[place.carrier.code, row.pk])
    return reverse("dashboard:floor", args=[place.carrier.code, row.pk])


# --- the 租控表 (rent-control grid) -------------------------------------------------------


@dataclass
class GridCell:
    pk: int
    code: str
    area: Decimal
    kind: str
    kind_label: str
    status: str
    status_label: str
    tenant: str | None
    lease_last_day: dt.date | None  # None: open-ended (when let)
    let: bool  # a lease or hold covers the day
    url: str = ""  # the unit's page

    @property
    def area_text(self) -> str:
        return f"{self.area.normalize():f}"

    @property
    def until_text(self) -> str:
        """The lease's last day, or "open-ended"; empty when nothing is let."""
        if not self.let:
            return ""
        return self.lease_last_day.isoformat() if self.lease_last_day else _("open-ended")

    @property
    def title(self) -> str:
        """The hover text: everything the popover says, on one line."""
        parts = [self.code, f"{self.area_text} m²", self.status_label]
        if self.tenant:
            parts.append(self.tenant)
        if self.let:
            parts.append(_("until %(day)s") % {"day": self.until_text})
        return " · ".join(parts)

    @property
    def size(self) -> str:
        """A width class by area, so a big unit looks bigger on the grid."""
        if self.area < 100:
            return "s"
        if self.area < 300:
            return "m"
        if self.area < 800:
            return "l"
        return "xl"


@dataclass
class GridFloor:
    pk: int
    label: str
    cells: list[GridCell] = field(default_factory=list)


@dataclass
class GridBuilding:
    pk: int
    name: str
    floors: list[GridFloor] = field(default_factory=list)


@dataclass
class LegendEntry:
    status: str
    label: str
    units: int = 0
    area: Decimal = Decimal(0)


@dataclass
class Grid:
    place: Place
    day: dt.date
    buildings: list[GridBuilding]
    legend: list[LegendEntry]

    @property
    def total_units(self) -> int:
        return sum(entry.units for entry in self.legend)


def _natural(code: str) -> tuple[Any, ...]:
    """Sort key that puts 2-101 before 2-1001 and 9F before 10F."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


def rent_grid(place: Place, day: dt.date, *, now: dt.datetime | None = None) -> Grid:
    """Every floor of the carrier (or building), top floor first, with each unit's
    status, tenant and lease end on `day`: two queries whatever the size."""
    now = now or timezone.now()
    if place.level == CARRIER:
        floors = Floor.objects.filter(building__carrier=place.carrier)
    elif place.level == BUILDING:
        floors = Floor.objects.filter(building=place.building)
    elif place.level == FLOOR:
        floors = Floor.objects.filter(pk=place.floor.pk)
    else:
        raise ValueError(f"no grid for the {place.level}")
    buildings: dict[int, GridBuilding] = {}
    by_floor: dict[int, GridFloor] = {}
    for floor in floors.select_related("building").order_by("building__code", "-level"):
        building = buildings.setdefault(
            floor.building_id, GridBuilding(floor.building_id, floor.building.name)
        )
        by_floor[floor.pk] = GridFloor(floor.pk, floor.label)
        building.floors.append(by_floor[floor.pk])
    legend = {value: LegendEntry(value, str(label)) for value, label in UnitStatus.choices}
    kinds = {value: str(label) for value, label in Unit.Kind.choices}
    # One reverse() for the page, not one per unit: the pattern with a placeholder id.
    unit_url = reverse("workspace:unit", args=[0])[:-2] + "{}/"
    units = (
        place.units()
        .with_status(day, now=now)
        .annotate(tenant_name=F("covering__tenant__name"))
        .order_by()
        .values_list(
            "pk",
            "floor_id",
            "code",
            "gross_area",
            "kind",
            "status",
            "tenant_name",
            "current_end",
            "current_allocation_id",
        )
    )
    for pk, floor_id, code, area, kind, status, tenant, end, allocation_id in units:
        entry = legend[status]
        entry.units += 1
        entry.area += area
        by_floor[floor_id].cells.append(
            GridCell(
                pk=pk,
                code=code,
                area=area,
                kind=kind,
                kind_label=kinds.get(kind, kind),
                status=status,
                status_label=entry.label,
                tenant=tenant,
                lease_last_day=end - dt.timedelta(days=1) if end else None,
                let=allocation_id is not None,
                url=unit_url.format(pk),
            )
        )
    for floor in by_floor.values():
        floor.cells.sort(key=lambda c: _natural(c.code))
    return Grid(place, day, list(buildings.values()), list(legend.values()))


# --- the date asked for -----------------------------------------------------------------

EARLIEST = dt.date(2000, 1, 1)


def latest_day(today: dt.date) -> dt.date:
    """The furthest date figures may be asked for: ten years ahead."""
    return add_months(today, 120)
