"""Staff pages of the space inventory: the unit search (/units/).

For the carriers' side only (managers, leadership, the district admin): a
company's user gets a 404, as everywhere in the workspace. Every unit comes
from the asker's scope (leasing.access), so a manager finds only the units of
the carriers they manage.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from carriers.search import DEFAULT_SORT, SORT_LABELS, UnitSearchFilter, bind
from carriers.search_results import SearchPage, search_page
from carriers.status import UnitStatus
from leasing.access import staff_scope


def _sort_links(query: QueryDict, current: str) -> dict[str, dict[str, Any]]:
    """Each sortable column's header link: ascending first, reversed when sorted on."""
    keep = query.copy()
    for name in ("sort", "page"):
        keep.pop(name, None)
    links = {}
    for key, label in SORT_LABELS.items():
        sorted_on = current.lstrip("-") == key
        descending = current.startswith("-")
        keep["sort"] = f"-{key}" if sorted_on and not descending else key
        links[key] = {
            "label": label,
            "url": "?" + keep.urlencode(),
            "sorted": sorted_on,
            "arrow": ("↓" if descending else "↑") if sorted_on else "",
        }
    return links


@login_required
@require_GET
def unit_search(request: HttpRequest) -> HttpResponse:
    scope = staff_scope(request)
    now = timezone.now()
    data = bind(request.GET, timezone.localdate(now))
    filterset = UnitSearchFilter(data, queryset=scope.units(), request=request, now=now)
    results: SearchPage | None = None
    if filterset.is_valid():
        # Bad filters show no results at all: a list that ignored one of
        # them would look like an answer to the question asked.
        # Over the whole district the count follows the page (count_json).
        results = search_page(filterset, request.GET.get("page"), wait_for_count=False)
    sort = filterset.sort_key if results else DEFAULT_SORT
    pages = data.copy()
    pages.pop("page", None)
    return render(
        request,
        "carriers/unit_search.html",
        {
            "filter": filterset,
            "results": results,
            "day": filterset.day,
            "sorts": _sort_links(data, sort),
            "query": pages.urlencode(),
            "statuses": UnitStatus.choices,
        },
    )
