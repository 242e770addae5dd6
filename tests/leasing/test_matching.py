"""Candidate units for a request (leasing.matching): who is free for the whole
term, how candidates rank, why, and in how many queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from carriers.choices import Industry
from carriers.models import Carrier, Unit
from leasing.matching import available_units, rank_candidates, request_term
from leasing.models import Allocation, SpaceRequest, Tenant
from leasing.terms import add_months
from tests.factories import make_carrier, make_floor, make_tenant, make_unit
from tests.leasing.workflow import days, make_lease, make_request, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The default language is Chinese; these tests read the English source messages.
    with translation.override("en"):
        yield


# --- available_units ------------------------------------------------------------------------


def term() -> tuple[dt.date, dt.date]:
    start = today() + days(30)
    return start, add_months(start, 12)


def lease(unit: Unit, start: dt.date, end: dt.date | None, **fields: object) -> None:
    make_lease(unit, start, end, **fields)


def expired_hold(unit: Unit, start: dt.date, end: dt.date) -> None:
    expires = timezone.now() - dt.timedelta(hours=1)
    make_lease(
        unit,
        start,
        end,
        state=Allocation.State.HELD,
        hold_expires_at=expires,
        now=expires - days(1),
    )


def cancelled(unit: Unit, start: dt.date, end: dt.date) -> None:
    allocation = make_lease(unit, start, end)
    Allocation.objects.filter(pk=allocation.pk).update(state=Allocation.State.CANCELLED)


S, E = "start", "end"

# Each case puts one allocation on the unit, relative to the term [start, end).
LEDGER_CASES = [
    pytest.param(lambda u, s, e: lease(u, s - days(100), s + days(1)), False, id="leased-at-start"),
    pytest.param(lambda u, s, e: lease(u, s + days(100), e + days(5)), False, id="leased-mid-term"),
    pytest.param(lambda u, s, e: lease(u, e - days(1), e + days(99)), False, id="leased-last-day"),
    pytest.param(lambda u, s, e: lease(u, s - days(100), None), False, id="open-ended-lease"),
    pytest.param(lambda u, s, e: lease(u, s - days(10), e + days(10)), False, id="leased-around"),
    pytest.param(
        lambda u, s, e: lease(u, s + days(10), s + days(20), state=Allocation.State.HELD),
        False,
        id="held-for-part",
    ),
    pytest.param(lambda u, s, e: lease(u, s - days(365), s), True, id="lease-ends-on-move-in"),
    pytest.param(lambda u, s, e: lease(u, s - days(365), s - days(30)), True, id="ends-before"),
    pytest.param(lambda u, s, e: lease(u, e, e + days(365)), True, id="next-lease-starts-at-end"),
    pytest.param(expired_hold, True, id="expired-hold"),
    pytest.param(cancelled, True, id="cancelled-lease"),
]


@pytest.mark.parametrize(("put", "available"), LEDGER_CASES)
def test_it_finds_units_free_in_the_ledger_for_the_whole_term(
    put: Callable[[Unit, dt.date, dt.date], None], available: bool
) -> None:
    start, end = term()
    unit = make_unit()
    free = make_unit()  # a control with nothing on it
    put(unit, start, end)
    found = set(available_units(Unit.objects.all(), start, end))
    assert free in found
    assert (unit in found) is available


@pytest.mark.parametrize(
    ("unit_fields", "available"),
    [
        pytest.param(lambda s, e: {"in_service_from": s + days(1)}, False, id="in-service-late"),
        pytest.param(lambda s, e: {"in_service_from": s}, True, id="in-service-on-move-in"),
        pytest.param(lambda s, e: {"leasable": False}, False, id="not-leasable"),
        pytest.param(lambda s, e: {"retired_on": e - days(1)}, False, id="retired-in-the-term"),
        pytest.param(lambda s, e: {"retired_on": s - days(10)}, False, id="already-retired"),
        pytest.param(lambda s, e: {"retired_on": e}, True, id="retired-at-the-end"),
        pytest.param(lambda s, e: {"ready_on": s + days(60)}, True, id="not-ready-still-offered"),
    ],
)
def test_it_finds_units_in_service_and_for_lease_for_the_whole_term(
    unit_fields: Callable[[dt.date, dt.date], dict], available: bool
) -> None:
    start, end = term()
    unit = make_unit(**unit_fields(start, end))
    assert (unit in set(available_units(Unit.objects.all(), start, end))) is available


def test_it_searches_only_the_units_it_is_given() -> None:
    start, end = term()
    mine, theirs = make_carrier(), make_carrier()
    unit = make_unit(mine)
    make_unit(theirs)
    assert list(available_units(Unit.objects.filter(carrier=mine), start, end)) == [unit]


def test_it_reads_the_term_of_a_request() -> None:
    request = make_request(move_in_on=dt.date(2027, 1, 31), term_months=13)
    assert request_term(request) == (dt.date(2027, 1, 31), dt.date(2028, 2, 29))


# --- rank_candidates ------------------------------------------------------------------------


@pytest.fixture
def preferred() -> Carrier:
    return make_carrier(name="国家高新区集成创新中心", code="p", industry_focus=Industry.AI)


@pytest.fixture
def elsewhere() -> Carrier:
    return make_carrier(name="昆山复容绿谷未来创新中心", code="q", industry_focus=Industry.MIXED)


@pytest.fixture
def biotech() -> Carrier:
    return make_carrier(
        name="德国医谷长三角创新中心", code="r", industry_focus=Industry.BIOMEDICINE
    )


@pytest.fixture
def ai_company() -> Tenant:
    return make_tenant(name="昆山智算科技有限公司", industry=Industry.AI)


def ask(tenant: Tenant, *carriers: Carrier, **fields: object) -> SpaceRequest:
    """A saved request, read back as the views read it: with its tenant."""
    defaults: dict[str, object] = {
        "area_min": Decimal("180"),
        "area_max": Decimal("220"),
        "unit_kind": Unit.Kind.OFFICE,
        "seats": 15,
        "fit_out": SpaceRequest.FitOut.TURNKEY,
        "budget_per_m2": Decimal("50"),
    }
    request = make_request(tenant, preferred_carriers=carriers, **{**defaults, **fields})
    return SpaceRequest.objects.select_related("tenant").get(pk=request.pk)


def office(carrier: Carrier, code: str, **fields: object) -> Unit:
    """The ideal unit for `ask`, unless told otherwise."""
    defaults: dict[str, object] = {
        "gross_area": Decimal("200"),
        "usable_area": Decimal("150"),
        "kind": Unit.Kind.OFFICE,
        "turnkey": True,
        "turnkey_package": "工位、会议室、网络",
        "list_rent": Decimal("45"),
        "seats": 20,
    }
    return make_unit(carrier, code=code, **{**defaults, **fields})


def test_it_ranks_the_best_fit_first_by_score(
    ai_company: Tenant, preferred: Carrier, elsewhere: Carrier
) -> None:
    request = ask(ai_company, preferred)
    other_carrier = office(elsewhere, "Q-1")  # not preferred (−15), mixed focus (−5)
    shell = office(preferred, "P-shell", turnkey=False)  # not furnished (−15)
    cowork = office(preferred, "P-cowork", kind=Unit.Kind.COWORKING)  # a kindred kind (−10)
    pricey = office(preferred, "P-pricey", list_rent=Decimal("54"))  # within 10% (−5)
    best = office(preferred, "P-best")

    ranked = rank_candidates(request, Unit.objects.all())

    assert [(c.unit, c.score) for c in ranked] == [
        (best, 100),
        (pricey, 95),
        (cowork, 90),
        (shell, 85),
        (other_carrier, 80),
    ]


def test_it_scores_area_falling_off_towards_the_edge_of_the_band(
    ai_company: Tenant, preferred: Carrier
) -> None:
    request = ask(ai_company, preferred)
    exact = office(preferred, "exact")
    smaller = office(preferred, "smaller", gross_area=Decimal("150"), usable_area=Decimal("120"))
    # 30 m² short of 180, in a band of max(20% of 180, 25% of 220) = 55 m²: 25 − 30 × 25/55
    ranked = {c.unit: c.score for c in rank_candidates(request, Unit.objects.all())}
    assert ranked == {exact: 100, smaller: 86}


def test_it_gives_the_reasons_of_a_perfect_fit(ai_company: Tenant, preferred: Carrier) -> None:
    request = ask(ai_company, preferred)
    office(preferred, "P-1")
    [candidate] = rank_candidates(request, Unit.objects.all())
    assert candidate.reasons == [
        "Area 200.00 m² is within the requested range.",
        "Kind matches: Office.",
        "Turnkey and ready by the move-in date.",
        "In a carrier the company asked for.",
        "The carrier focuses on the company's industry (Artificial intelligence).",
        "List rent 45.00 is within the budget of 50.00 CNY/m²/month.",
    ]


def test_it_gives_the_reasons_of_a_poor_fit(ai_company: Tenant, preferred: Carrier) -> None:
    request = ask(ai_company, preferred)
    ready_on = request.move_in_on + days(20)
    other = make_carrier(industry_focus=Industry.MIXED)
    office(
        other,
        "X-1",
        gross_area=Decimal("150"),
        usable_area=Decimal("120"),
        kind=Unit.Kind.COWORKING,
        ready_on=ready_on,
        list_rent=Decimal("60"),
        seats=10,
    )
    [candidate] = rank_candidates(request, Unit.objects.all())
    assert candidate.reasons == [
        "Area 150.00 m² is outside 180.00–220.00 m².",
        "Kind is Co-working seats, not the requested one.",
        f"Turnkey, but only ready on {ready_on.isoformat()}.",
        "List rent 60.00 is over the budget of 50.00 CNY/m²/month.",
        "Only 10 seats of 15.",
    ]
    # area 11.36 + kin kind 10 + turnkey late 5 + not preferred 0 + mixed 5 + over 0 + seats 0
    assert candidate.score == 31


def test_it_explains_fit_out_both_ways(
    ai_company: Tenant, preferred: Carrier, biotech: Carrier
) -> None:
    shell = office(biotech, "R-shell", turnkey=False, turnkey_package="")
    turnkey = ask(ai_company)
    [candidate] = rank_candidates(turnkey, Unit.objects.all())
    assert "Not furnished: needs fitting out before move-in." in candidate.reasons
    assert not any("industry" in reason for reason in candidate.reasons)  # biotech ≠ AI

    tailored = ask(ai_company, fit_out=SpaceRequest.FitOut.TAILORED)
    [candidate] = rank_candidates(tailored, Unit.objects.all())
    assert candidate.unit == shell
    assert "A shell unit, suited to a tailored fit-out." in candidate.reasons


def test_it_prefers_a_shell_for_a_tailored_fit_out(ai_company: Tenant, preferred: Carrier) -> None:
    request = ask(ai_company, preferred, fit_out=SpaceRequest.FitOut.TAILORED)
    furnished = office(preferred, "furnished")
    shell = office(preferred, "shell", turnkey=False, turnkey_package="")
    ranked = rank_candidates(request, Unit.objects.all())
    assert [(c.unit, c.score) for c in ranked] == [(shell, 100), (furnished, 92)]


def test_it_scores_carriers_evenly_when_the_company_names_none(
    ai_company: Tenant, preferred: Carrier, elsewhere: Carrier
) -> None:
    request = ask(ai_company, budget_per_m2=None)
    in_p = office(preferred, "P-1")
    in_q = office(elsewhere, "Q-1")
    ranked = {c.unit: c for c in rank_candidates(request, Unit.objects.all())}
    # carrier 7 of 15 for both; budget 5 of 10 unknown; industry 10 (AI) against 5 (mixed)
    assert (ranked[in_p].score, ranked[in_q].score) == (25 + 20 + 15 + 7 + 10 + 5 + 5, 82)
    assert not any("budget" in r or "asked for" in r for r in ranked[in_p].reasons)


def test_it_leaves_out_units_far_outside_the_requested_area(
    ai_company: Tenant, preferred: Carrier
) -> None:
    request = ask(ai_company, preferred)  # 180–220 m²: the band is 144–275 m²
    areas = ["143.99", "144.00", "200.00", "275.00", "275.01", "400.00", "50.00"]
    units = {
        a: office(preferred, f"A{a}", gross_area=Decimal(a), usable_area=Decimal("40"))
        for a in areas
    }
    found = {c.unit for c in rank_candidates(request, Unit.objects.all())}
    assert found == {units["144.00"], units["200.00"], units["275.00"]}


def test_it_ranks_only_available_units(ai_company: Tenant, preferred: Carrier) -> None:
    request = ask(ai_company, preferred)
    start, end = request_term(request)
    taken = office(preferred, "taken")
    make_lease(taken, start + days(100), None)
    coming_free = office(preferred, "coming-free")
    make_lease(coming_free, start - days(300), start)
    retiring = office(preferred, "retiring", retired_on=end - days(1))
    found = [c.unit for c in rank_candidates(request, Unit.objects.all())]
    assert found == [coming_free]
    assert retiring not in found


def test_it_returns_at_most_the_limit(ai_company: Tenant, preferred: Carrier) -> None:
    request = ask(ai_company, preferred)
    for n in range(5):
        office(preferred, f"U{n}")
    assert len(rank_candidates(request, Unit.objects.all(), limit=3)) == 3


def test_it_breaks_ties_by_rent_then_carrier_then_code(
    ai_company: Tenant, preferred: Carrier, elsewhere: Carrier
) -> None:
    request = ask(ai_company, preferred, elsewhere)
    b = office(preferred, "B")
    a = office(preferred, "A")
    cheap = office(preferred, "Z", list_rent=Decimal("40"))
    ranked = [c.unit for c in rank_candidates(request, Unit.objects.filter(carrier=preferred))]
    assert ranked == [cheap, a, b]


@pytest.mark.parametrize("window", [1, 3, 100], ids=["all-taken", "one-free", "wide"])
def test_it_finds_free_units_past_the_best_ones_it_checks_first(
    ai_company: Tenant,
    preferred: Carrier,
    elsewhere: Carrier,
    window: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The best `window` of the area band are checked against the ledger first; when
    too few of them are free, the whole band is ranked: the same answer either way."""
    monkeypatch.setattr("leasing.matching.WINDOW_FACTOR", 1)
    monkeypatch.setattr("leasing.matching.WINDOW_MIN", window)
    request = ask(ai_company, preferred)
    start, _end = request_term(request)
    for code in ("best-1", "best-2"):  # the two best fits, both let for the term
        make_lease(office(preferred, code), start - days(10), None)
    free = [
        office(preferred, "pricey", list_rent=Decimal("54")),  # 95
        office(preferred, "cowork", kind=Unit.Kind.COWORKING),  # 90
        office(elsewhere, "elsewhere"),  # 80
    ]

    with CaptureQueriesContext(connection) as queries:
        ranked = rank_candidates(request, Unit.objects.all(), limit=2)

    assert [c.unit for c in ranked] == free[:2]
    # A window of the limit (2) or of 3 holds fewer than 2 free units: one more query
    # ranks the whole band. A wide one holds them all.
    assert len(queries) == (4 if window < 5 else 3)


# --- queries ------------------------------------------------------------------------------------


def rank_with_units(n: int, *, with_tenant: bool) -> tuple[int, int]:
    """Rank a request among n units of three carriers; (queries, candidates)."""
    carriers = [make_carrier(industry_focus=Industry.AI), make_carrier(), make_carrier()]
    floors = [make_floor(c) for c in carriers]
    for i in range(n):
        office(floors[i % 3].building.carrier, f"N{i}", floor=floors[i % 3], seats=i % 30)
    request = make_request(
        make_tenant(industry=Industry.AI),
        preferred_carriers=carriers[:2],
        budget_per_m2=Decimal("50"),
        seats=10,
    )
    if with_tenant:
        request = SpaceRequest.objects.select_related("tenant").get(pk=request.pk)
    else:
        request = SpaceRequest.objects.get(pk=request.pk)
    with CaptureQueriesContext(connection) as queries:
        candidates = rank_candidates(request, Unit.objects.filter(carrier__in=carriers), limit=100)
        # Everything a candidate page shows is already loaded.
        for c in candidates:
            str(c.unit.carrier), c.unit.floor.building.code, c.reasons
    return len(queries), len(candidates)


def test_it_ranks_in_three_queries_whatever_the_number_of_units() -> None:
    # The preferred carriers; the ids and scores of the best, ranked in the
    # database; those units with their carrier, floor and building. The tenant
    # came with the request (select_related).
    assert rank_with_units(5, with_tenant=True) == (3, 5)
    assert rank_with_units(50, with_tenant=True) == (3, 50)


def test_it_reads_the_tenant_once_when_the_request_comes_without_it() -> None:
    assert rank_with_units(5, with_tenant=False) == (4, 5)
    assert rank_with_units(50, with_tenant=False) == (4, 50)


def test_it_does_not_load_units_when_nothing_is_available(
    ai_company: Tenant, preferred: Carrier, django_assert_num_queries: Callable
) -> None:
    request = ask(ai_company, preferred)
    office(preferred, "far-too-big", gross_area=Decimal("900"))
    with django_assert_num_queries(2):
        assert rank_candidates(request, Unit.objects.all()) == []


def test_it_ranks_with_the_asserted_query_count(
    ai_company: Tenant, preferred: Carrier, django_assert_num_queries: Callable
) -> None:
    request = ask(ai_company, preferred)
    for n in range(12):
        office(preferred, f"U{n}")
    with django_assert_num_queries(3):
        assert len(rank_candidates(request, Unit.objects.all())) == 12
