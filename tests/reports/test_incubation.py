"""Incubation figures, industry shares and the summary that gathers every figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from carriers.choices import Industry
from carriers.models import Unit
from leasing.models import Allocation, Qualification, Tenant
from reports.incubation import (
    THRESHOLDS,
    incubation_on,
    incubation_period,
    industry_mix_on,
    tiers_on,
)
from reports.labels import FIGURES, format_change, format_value, label
from reports.metrics import Figure, occupancy_on, occupancy_trend
from reports.summary import summary, trailing_year
from tests.factories import make_carrier, make_floor, make_tenant, make_unit

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def space(area: str = "100.00", **fields: object) -> Unit:
    return make_unit(gross_area=Decimal(area), usable_area=Decimal(area), **fields)


def lease(unit: Unit, tenant: Tenant, start: dt.date, end: dt.date | None = None, **f) -> None:
    f.setdefault("state", Allocation.State.ACTIVE)
    Allocation.objects.create(unit=unit, tenant=tenant, start=start, end=end, **f)


def incubatee(entered: dt.date, **fields: object) -> Tenant:
    return make_tenant(incubation_entered_on=entered, **fields)


def test_it_measures_incubatee_share_density_and_area_per_incubatee() -> None:
    floor = make_floor(make_carrier())
    a, b, c, d = (space(floor=floor) for _ in range(4))
    one = incubatee(D - days(400), employees=30, rd_staff=10)
    two = incubatee(D - days(30), employees=10, rd_staff=5)
    graduate = make_tenant(
        incubation_entered_on=D - days(900), graduated_on=D - days(1), employees=60
    )
    lease(a, one, D - days(10))
    lease(b, one, D - days(10))  # one company, two units: counted once
    lease(c, two, D)
    lease(d, graduate, D - days(100))
    figures = incubation_on(Unit.objects.all(), D)
    assert figures["incubatees"].value == 2
    share = occupancy_on(Unit.objects.all(), D)["incubatee_area_share"]
    assert (share.numerator, share.denominator, share.value) == (
        Decimal("300.00"),
        Decimal("400.00"),
        Decimal("0.7500"),
    )
    assert figures["incubatees_per_1000m2"].value == Decimal(5)  # 2 per 400 m²
    assert figures["area_per_incubatee"].value == Decimal(150)
    assert figures["employees_per_1000m2"].value == Decimal(250)  # 100 people on 400 m²
    assert figures["rd_staff_per_1000m2"].value == Decimal("37.5")
    months = figures["months_in_incubation_median"].value
    assert Decimal(6) < months < Decimal(8)  # the median of ~13.1 and ~1.0 months
    assert figures["incubatees_over_limit"].value == 0
    # No industry asked for: no note claims one (a loop variable once leaked into it).
    assert not any("Only space" in e for f in figures.values() for e in f.excludes)


def test_it_allows_longer_incubation_for_biomedicine() -> None:
    floor = make_floor(make_carrier())
    lease(space(floor=floor), incubatee(D - days(50 * 31)), D - days(5))
    bio = incubatee(D - days(50 * 31), industry=Industry.BIOMEDICINE)
    lease(space(floor=floor), bio, D - days(5))
    assert incubation_on(Unit.objects.all(), D)["incubatees_over_limit"].value == 1


def test_it_does_not_count_holds_or_companies_that_moved_out() -> None:
    floor = make_floor(make_carrier())
    held, left = space(floor=floor), space(floor=floor)
    lease(
        held,
        incubatee(D - days(10)),
        D,
        state=Allocation.State.HELD,
        hold_expires_at=timezone.now() + days(3),
    )
    lease(left, incubatee(D - days(300), moved_out_on=D), D - days(200))
    figures = incubation_on(Unit.objects.all(), D)
    assert figures["incubatees"].value == 0
    assert occupancy_on(Unit.objects.all(), D)["incubatee_area_share"].numerator == 0
    assert figures["area_per_incubatee"].value is None


def test_it_scores_against_the_national_thresholds() -> None:
    by_name = {t.figure: t for t in THRESHOLDS}
    assert by_name["incubatee_area_share"].passes(Decimal("0.75")) is True
    assert by_name["incubatee_area_share"].passes(Decimal("0.7499")) is False
    assert by_name["area_per_incubatee"].passes(Decimal(1000)) is True
    assert by_name["area_per_incubatee"].passes(Decimal(1001)) is False
    assert by_name["incubatees_per_1000m2"].passes(None) is None


def test_it_counts_graduates_and_upgrades_in_the_period() -> None:
    floor = make_floor(make_carrier())
    grad = make_tenant(incubation_entered_on=D - days(900), graduated_on=D + days(10))
    lease(space(floor=floor), grad, D - days(500))
    elsewhere = make_tenant(incubation_entered_on=D - days(900), graduated_on=D + days(10))
    lease(space(), elsewhere, D - days(500))  # another carrier
    upgraded = make_tenant()
    lease(space(floor=floor), upgraded, D - days(500))
    Qualification.objects.create(
        tenant=upgraded, kind=Qualification.Kind.TECH_SME, valid_from=D - days(400)
    )
    Qualification.objects.create(
        tenant=upgraded, kind=Qualification.Kind.HIGH_TECH, valid_from=D + days(20)
    )
    straight = make_tenant()  # high-tech with no tech-SME before: not an upgrade
    lease(space(floor=floor), straight, D - days(500))
    Qualification.objects.create(
        tenant=straight, kind=Qualification.Kind.HIGH_TECH, valid_from=D + days(20)
    )
    figures = incubation_period(Unit.objects.filter(floor=floor), D, D + days(60))
    assert figures["graduates"].value == 1
    assert figures["upgrades"].value == 1
    assert (
        incubation_period(Unit.objects.filter(floor=floor), D, D + days(15))["upgrades"].value == 0
    )


def test_it_counts_companies_by_tier_and_area_by_industry() -> None:
    floor = make_floor(make_carrier())
    ai = make_tenant(industry=Industry.AI)
    bio = make_tenant(industry=Industry.BIOMEDICINE)
    lease(space(floor=floor), ai, D - days(10))
    lease(space("50.00", floor=floor), bio, D - days(10))
    space(floor=floor)
    Qualification.objects.create(tenant=ai, kind="high_tech", valid_from=D - days(100))
    Qualification.objects.create(
        tenant=bio, kind="high_tech", valid_from=D - days(100), valid_to=D
    )  # lapsed on D (valid_to is exclusive)
    Qualification.objects.create(tenant=bio, kind="tech_sme", valid_from=D - days(100))
    tiers = tiers_on(Unit.objects.all(), D)
    assert tiers["high_tech"] == 1 and tiers["tech_sme"] == 1 and tiers["unicorn"] == 0
    mix = industry_mix_on(Unit.objects.all(), D)
    assert mix[Industry.AI] == Decimal("100.00")
    assert mix[Industry.BIOMEDICINE] == Decimal("50.00")
    ai_share = occupancy_on(Unit.objects.all(), D, industry=Industry.AI)
    assert ai_share["occupancy_area"].value == Decimal("0.4000")  # 100 of 250 m²
    assert ai_share["vacancy_area"].value == Decimal("0.4000")  # vacancy stays the whole's
    assert any("Artificial intelligence" in e for e in ai_share["occupancy_area"].excludes)


def test_it_summarises_every_figure_with_month_and_year_changes(
    django_assert_max_num_queries,
) -> None:
    floor = make_floor(make_carrier())
    a, b = space(floor=floor), space(floor=floor)
    lease(a, make_tenant(), D - days(400))
    lease(b, make_tenant(), D - days(20))
    with django_assert_max_num_queries(16):
        result = summary(Unit.objects.all(), D)
    assert result.figures["occupancy_area"].value == 1
    assert result.mom["occupancy_area"] == Decimal("0.5000")
    assert result.yoy["occupancy_area"] == Decimal("0.5000")
    assert result.mom["time_to_fill_days"] is None  # no request filled: no figure, no change
    assert result.period == trailing_year(D) == (dt.date(2024, 6, 3), dt.date(2025, 6, 3))
    # Every figure has a label, and the JSON carries them all.
    assert set(result.figures) <= set(FIGURES)
    assert len(result.as_json()["figures"]) == len(result.figures)


def test_it_writes_values_for_people() -> None:
    assert format_value("occupancy_area", Decimal("0.87654")) == "87.7%"
    assert format_value("occupancy_area", None) == "—"
    assert format_value("time_to_fill_days", Decimal("12.5")) == "13 days"
    assert format_value("net_absorption_area", Decimal("-1234.56")) == "-1,234.6 m²"
    assert format_change("occupancy_area", Decimal("-0.021")) == "−2.1 pts"
    assert format_change("incubatees", Decimal(3)) == "+3"
    assert label("churn") == "Churn"


def test_it_narrows_the_summary_to_one_industry_of_companies() -> None:
    floor = make_floor(make_carrier())
    ai = incubatee(D - days(100), industry=Industry.AI, employees=10)
    bio = incubatee(D - days(100), industry=Industry.BIOMEDICINE, employees=90)
    lease(space(floor=floor), ai, D - days(20))
    lease(space(floor=floor), bio, D - days(400), D + days(30))
    space(floor=floor)
    everyone = summary(Unit.objects.all(), D)
    only_ai = summary(Unit.objects.all(), D, industry=Industry.AI)
    assert everyone.figures["occupancy_area"].value == Decimal("0.6667")
    assert only_ai.figures["occupancy_area"].value == Decimal("0.3333")
    assert only_ai.figures["occupancy_area"].denominator == Decimal("300.00")
    assert only_ai.mom["occupancy_area"] == Decimal("0.3333")  # AI moved in this month
    assert only_ai.figures["exposure_area"].numerator == 0  # only biomedicine's lease ends
    assert everyone.figures["exposure_area"].numerator == Decimal("100.00")
    assert only_ai.figures["incubatees"].value == 1
    assert only_ai.figures["employees_per_1000m2"].numerator == 10
    assert only_ai.figures["incubatee_area_share"].numerator == Decimal("100.00")
    assert only_ai.figures["vacancy_area"] == everyone.figures["vacancy_area"]
    assert any("Artificial intelligence" in e for e in only_ai.figures["churn"].excludes)
    for name in ("time_weighted_occupancy_area", "vacancy_spell_days"):
        assert any("not narrowed" in e for e in only_ai.figures[name].excludes)
        assert not any("not narrowed" in e for e in everyone.figures[name].excludes)


def test_it_keeps_other_industries_units_under_fit_out_in_the_trends_base() -> None:
    floor = make_floor(make_carrier())
    fitting_out = space(floor=floor, ready_on=D + days(200))
    lease(fitting_out, make_tenant(industry=Industry.AI), D - days(150))
    lease(space(floor=floor), make_tenant(industry=Industry.BIOMEDICINE), D - days(150))
    on = occupancy_on(Unit.objects.all(), D, industry=Industry.BIOMEDICINE)
    last = occupancy_trend(Unit.objects.all(), D, months=1, industry=Industry.BIOMEDICINE)[-1]
    assert last.leasable_area == on["occupancy_area"].denominator == Decimal("200.00")
    assert last.occupancy_area == on["occupancy_area"].value == Decimal("0.5000")


def test_it_does_not_count_an_upgrade_of_a_company_that_had_left() -> None:
    floor = make_floor(make_carrier())
    gone = make_tenant()
    Qualification.objects.create(tenant=gone, kind="tech_sme", valid_from=D - days(2000))
    Qualification.objects.create(tenant=gone, kind="high_tech", valid_from=D + days(10))
    lease(space(floor=floor), gone, D - days(1500), D - days(800), state="ended")
    assert incubation_period(Unit.objects.all(), D, D + days(60))["upgrades"].value == 0


def test_it_flags_incubation_past_its_limit_from_the_calendar_day() -> None:
    floor = make_floor(make_carrier())
    entered = dt.date(2021, 6, 2)  # 48 months end on 2025-06-02 = D
    lease(space(floor=floor), incubatee(entered), entered)
    units = Unit.objects.all()
    assert incubation_on(units, D - days(1))["incubatees_over_limit"].value == 0
    assert incubation_on(units, D)["incubatees_over_limit"].value == 1


def test_it_judges_thresholds_on_the_exact_ratio_not_the_rounded_one() -> None:
    share = next(t for t in THRESHOLDS if t.figure == "incubatee_area_share")
    almost = Figure(
        "incubatee_area_share",
        Decimal("0.7500"),  # 74.996 % rounds to 75.00 %
        Decimal("74996"),
        Decimal("100000"),
        "area",
        on=D,
    )
    assert share.passes(almost.value) is True
    assert share.judge(almost) is False
