"""The leadership dashboard and the 租控表 (rent-control grid).

The dashboard stands on one level of the ladder district → carrier → building
→ floor (reports.selectors.Place): KPI tiles with their changes, a 24-month
trend, and a league table of the level below with drill-down links. The grid
shows a carrier's (or building's) floors × units coloured by status.

Staff side only: a company's users are sent to their portal from "/" and get a
404 anywhere else here. Managers read their carriers, leadership and the
admin every carrier; anything out of scope is a 404 (leasing.access).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from leasing.access import request_scope, staff_scope
from reports import floor_svg, labels, selectors, warm
from reports.cache import FigureCache
from reports.forms import DashboardForm
from reports.selectors import Place


def _report_links(place: Place) -> list[tuple[str, str]]:
    """The carrier's PDF and Excel reports, when the reports app serves them."""
    if place.carrier is None:
        names = (("reports:district", _("District report (PDF)")),)
        args: list[Any] = []
    else:
        names = (
            ("reports:carrier_pdf", _("Utilisation report (PDF)")),
            ("reports:carrier_xlsx", _("Tables (Excel)")),
            ("reports:carrier_csv", _("Table (CSV)")),
        )
        args = [place.carrier.code]
    links = []
    for name, text in names:
        try:
            links.append((text, reverse(name, args=args)))
        except NoReverseMatch:
            continue  # not built yet: no link rather than a broken one
    return links


def _query(day_text: str, form: DashboardForm, **extra: str) -> str:
    """The query string that keeps the date and filters when following a link."""
    params = {"on": day_text} if day_text else {}
    params.update(form.filters().as_query())
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


def _dashboard(request: HttpRequest, place: Place) -> HttpResponse:
    cache = FigureCache()
    form = DashboardForm(request.GET, today=cache.today)
    day = form.day()
    filters = form.filters()
    sort = selectors.parse_sort(request.GET.get("sort"))
    summary = selectors.summary_for(place, day, filters, cache)
    trend = selectors.trend_for(place, day, filters, cache)
    day_text = "" if day == cache.today else day.isoformat()
    floor_grid = (
        selectors.rent_grid(place, day, now=cache.now) if place.level == selectors.FLOOR else None
    )
    keep = _query(day_text, form)
    keep_date = urlencode({"on": day_text}) if day_text else ""

    def render_league() -> str:
        league = selectors.sort_league(selectors.league_for(place, day, filters, cache), sort)
        html = render_to_string(
            "reports/partials/league_rows.html",
            {
                "league": [(row, selectors.child_url(place, row)) for row in league],
                "keep": keep,
                "keep_date": keep_date,
                "child_level": place.child_level,
            },
        )
        return html.strip()

    # The league's rows are most of the page (600 carriers at 10x the zone
    # took ~0.4 s to render and ~65 ms to unpickle as figures): kept rendered,
    # per figures, sort and links; the figures are read only to render them.
    league_rows = mark_safe(  # our own template's output, escaped when it was rendered
        cache.get_or_compute(
            "league_rows",
            (place.key, day.isoformat(), filters.key, sort, keep, keep_date),
            render_league,
        )
    )
    trend_rows = [
        {
            "on": p.on,
            "area": labels.format_value("occupancy_area", p.occupancy_area),
            "count": labels.format_value("occupancy_count", p.occupancy_count),
            "point": p,
        }
        for p in reversed(trend.points)
    ]
    columns = [
        (
            key,
            *selectors.column_label(key, place.child_level),
            _sort_link(key, sort, day_text, form),
        )
        for key in selectors.SORT_KEYS
    ]
    return render(
        request,
        "reports/dashboard.html",
        {
            "place": place,
            "form": form,
            "day": day,
            "today": cache.today,
            "tiles": selectors.tiles(summary),
            "trend": trend,
            "league_rows": league_rows,
            "columns": columns,
            "sort": sort,
            "keep": keep,
            "keep_date": keep_date,
            "keep_today": _query("", form, sort=sort if sort != selectors.DEFAULT_SORT else ""),
            "default_sort": selectors.DEFAULT_SORT,
            "trend_months": selectors.TREND_MONTHS,
            "trend_rows": trend_rows,
            "child_level": place.child_level,
            "grid_url": _grid_url(place),
            "report_links": _report_links(place),
            "api_url": reverse("dashboard:api_occupancy")
            + "?"
            + urlencode({"scope": place.api_scope, **({"on": day_text} if day_text else {})}),
            "show_industry": place.level == selectors.DISTRICT,
            "floor_grid": floor_grid,
            "floor_map": floor_svg.floor_map(place, floor_grid) if floor_grid else None,
            "floor_map_editor": _floor_map_editor(request, place),
        },
    )


def _floor_map_editor(request: HttpRequest, place: Place) -> str:
    """The shape editor of the floor, for those who may change it (its managers, the admin)."""
    if place.level != selectors.FLOOR or not request_scope(request).manages(place.carrier.pk):
        return ""
    return reverse("workspace:floor_map", args=[place.floor.pk])


def _sort_link(key: str, current: str, day_text: str, form: DashboardForm) -> str:
    """A column header's link: sort by it, descending first; again to flip."""
    if current == f"-{key}":
        wanted = key
    elif current == key:
        wanted = f"-{key}"
    else:
        wanted = key if key == "name" else f"-{key}"
    return "?" + _query(day_text, form, sort=wanted)


def _grid_url(place: Place) -> str:
    if place.level == selectors.CARRIER:
        return reverse("dashboard:grid", args=[place.carrier.code])
    if place.level in (selectors.BUILDING, selectors.FLOOR):
        building = place.building
        return reverse("dashboard:grid_building", args=[place.carrier.code, building.pk])
    return ""


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The district as far as the user sees it (the home page of the staff side)."""
    scope = request_scope(request)
    if not scope.is_staff_side:
        # Companies' users have no carriers to read: their home is the portal.
        return redirect("portal:home")
    if scope.reads_everything:
        warm.note_district_read()  # keep it warm after changes while it is read
    return _dashboard(request, selectors.district(scope))


@login_required
@require_safe
def carrier(request: HttpRequest, code: str) -> HttpResponse:
    return _dashboard(request, selectors.carrier_place(staff_scope(request), code))


@login_required
@require_safe
def building(request: HttpRequest, code: str, building_id: int) -> HttpResponse:
    place = selectors.building_place(staff_scope(request), building_id, code)
    return _dashboard(request, place)


@login_required
@require_safe
def floor(request: HttpRequest, code: str, floor_id: int) -> HttpResponse:
    place = selectors.floor_place(staff_scope(request), floor_id, code)
    return _dashboard(request, place)


# --- the 租控表 ---------------------------------------------------------------------------


def _grid(request: HttpRequest, place: Place) -> HttpResponse:
    cache_day = timezone.localdate()
    form = DashboardForm(request.GET, today=cache_day)
    day = form.day()
    grid = selectors.rent_grid(place, day)
    day_text = "" if day == cache_day else day.isoformat()
    return render(
        request,
        "reports/grid.html",
        {
            "grid": grid,
            "place": place,
            "form": form,
            "day": day,
            "today": cache_day,
            "keep": urlencode({"on": day_text}) if day_text else "",
        },
    )


@login_required
@require_safe
def grid(request: HttpRequest, code: str) -> HttpResponse:
    return _grid(request, selectors.carrier_place(staff_scope(request), code))


@login_required
@require_safe
def grid_building(request: HttpRequest, code: str, building_id: int) -> HttpResponse:
    return _grid(request, selectors.building_place(staff_scope(request), building_id, code))
