"""The demo-zone generator and `manage.py seed_demo`.

Small scales keep these fast: 0.02 is the two flagship carriers (~240 units,
~700 leases); the richer checks use 0.1, the command's default.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation

from carriers.demo import seed_demo_zone
from carriers.demo.dates import local_datetime
from carriers.demo.roster import NAMED, carrier_count, carrier_roster
from carriers.demo.users import DEMO_USERS, MANAGED_CODES
from carriers.models import Carrier, Unit
from carriers.status import UnitStatus
from leasing.models import Allocation, Qualification, SpaceRequest, Tenant
from leasing.uscc import validate_uscc

TODAY = dt.date(2025, 6, 30)
SMALL = 0.02
OCCUPYING = Allocation.OCCUPYING_STATES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashers(settings: Any) -> None:
    # The demo users' passwords are hashed on every run; PBKDF2 would dominate.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(scale: float = SMALL, seed: int = 7) -> None:
    seed_demo_zone(scale=scale, seed=seed, today=TODAY)


def run_command(*args: str) -> str:
    """The command's output in English (its msgids), whatever locale is compiled."""
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", "--scale", str(SMALL), *args, stdout=out)
    return out.getvalue()


def fingerprint() -> dict[str, list[str]]:
    """Every generated row by its natural keys (no primary keys), sorted."""
    queries = {
        "units": Unit.objects.values_list(
            "carrier__code", "floor__building__code", "floor__level", "code", "kind",
            "gross_area", "usable_area", "seats", "list_rent", "leasable", "turnkey",
            "turnkey_package", "ready_on", "in_service_from", "retired_on",
        ),
        "allocations": Allocation.objects.values_list(
            "unit__carrier__code", "unit__code", "tenant__uscc", "start", "end", "state",
            "hold_expires_at", "contracted_rent", "signed_on", "counts_as_incubation",
            "created_at",
        ),
        "tenants": Tenant.objects.values_list(
            "uscc", "name", "industry", "founded_on", "employees", "rd_staff",
            "incubation_entered_on", "graduated_on", "moved_out_on", "created_at",
        ),
        "qualifications": Qualification.objects.values_list(
            "tenant__uscc", "kind", "issuer", "certificate_no", "valid_from", "valid_to"
        ),
        "requests": SpaceRequest.objects.values_list(
            "tenant__uscc", "submitted_at", "unit_kind", "area_min", "area_max", "fit_out",
            "preferred_carriers__code",
        ),
    }  # fmt: skip
    return {name: sorted(map(repr, rows)) for name, rows in queries.items()}


def wipe() -> None:
    Allocation.objects.all().delete()  # protects units and tenants
    SpaceRequest.objects.all().delete()
    Tenant.objects.all().delete()
    Carrier.objects.all().delete()


def counts() -> dict[str, int]:
    user = get_user_model()
    return {
        "carriers": Carrier.objects.count(),
        "units": Unit.objects.count(),
        "tenants": Tenant.objects.count(),
        "qualifications": Qualification.objects.count(),
        "allocations": Allocation.objects.count(),
        "requests": SpaceRequest.objects.count(),
        "preferred": SpaceRequest.preferred_carriers.through.objects.count(),
        "users": user.objects.count(),
        "managed": Carrier.managers.through.objects.count(),
        "tenant_users": Tenant.users.through.objects.count(),
    }


def ledgers() -> dict[int, list[Allocation]]:
    by_unit: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.filter(state__in=OCCUPYING).order_by("start"):
        by_unit[allocation.unit_id].append(allocation)
    return by_unit


# -- the roster ----------------------------------------------------------------------


def test_it_sizes_the_zone_by_scale() -> None:
    assert carrier_count(1) == 60
    assert carrier_count(0.1) == 6
    assert carrier_count(10) == 600
    assert carrier_count(SMALL) == 2  # the manager needs two carriers


def test_it_starts_with_the_carriers_named_in_the_report() -> None:
    names = [spec.name for spec in carrier_roster(seed=1, count=6)]
    assert names[:5] == [
        "阳澄湖两岸科创中心研发总部二期",
        "国家高新区集成创新中心",
        "中欧海外人才技术创新中心",
        "德国医谷长三角（昆山）创新中心",
        "昆山复容绿谷未来创新中心",
    ]


def test_it_extends_the_roster_without_changing_its_start() -> None:
    assert carrier_roster(seed=3, count=600)[:60] == carrier_roster(seed=3, count=60)
    big = carrier_roster(seed=3, count=600)
    assert len({s.code for s in big}) == len({s.name for s in big}) == 600


# -- determinism ------------------------------------------------------------------------


def test_it_generates_the_same_zone_for_the_same_seed() -> None:
    seed(seed=7)
    first = fingerprint()
    wipe()
    seed(seed=7)
    assert fingerprint() == first
    assert len(first["allocations"]) > 300


def test_it_generates_a_different_zone_for_another_seed() -> None:
    seed(seed=7)
    first = fingerprint()
    wipe()
    seed(seed=8)
    second = fingerprint()
    assert second["units"] != first["units"]
    assert second["allocations"] != first["allocations"]
    assert not set(second["tenants"]) & set(first["tenants"])


# -- integrity --------------------------------------------------------------------------


def test_it_gives_every_tenant_a_valid_kunshan_uscc() -> None:
    seed()
    usccs = list(Tenant.objects.values_list("uscc", flat=True))
    assert usccs
    for uscc in usccs:
        validate_uscc(uscc)
        assert uscc.startswith("91320583")


def test_it_never_overlaps_occupying_allocations_of_a_unit() -> None:
    seed(scale=0.1)
    for allocations in ledgers().values():
        for before, after in pairwise(allocations):
            assert before.end is not None, f"open-ended lease #{before.pk} is followed"
            assert before.end <= after.start, f"#{before.pk} overlaps #{after.pk}"


def test_it_allocates_only_leasable_units_within_their_service() -> None:
    seed(scale=0.1)
    for allocation in Allocation.objects.select_related("unit"):
        unit = allocation.unit
        assert unit.leasable
        assert allocation.start >= unit.in_service_from
        if unit.retired_on is not None:
            assert allocation.end is not None and allocation.end <= unit.retired_on


def test_it_keeps_every_model_rule() -> None:
    # full_clean runs each model's clean() and, in Django 5.x, its CheckConstraints.
    seed()
    querysets = [
        Unit.objects.all(),
        Tenant.objects.all(),
        Qualification.objects.all(),
        SpaceRequest.objects.all(),
        Allocation.objects.all(),
    ]
    for queryset in querysets:
        for row in queryset:
            row.full_clean()


def test_it_tells_the_zone_story() -> None:
    """Ended, open-ended, expiring and renewed leases; holds; growth; requests; tiers."""
    seed(scale=0.1)
    soon = TODAY + dt.timedelta(days=90)
    active = Allocation.objects.filter(state=Allocation.State.ACTIVE)
    assert Allocation.objects.filter(state=Allocation.State.ENDED, end__lte=TODAY).exists()
    assert not Allocation.objects.filter(state=Allocation.State.ENDED, end__gt=TODAY).exists()
    assert active.filter(end__isnull=True).exists()
    assert active.filter(start__lte=TODAY, end__gt=TODAY, end__lte=soon).exists()
    renewals = [
        (a, b)
        for rows in ledgers().values()
        for a, b in pairwise(rows)
        if a.end == b.start and a.tenant_id == b.tenant_id
    ]
    assert renewals
    assert Allocation.objects.filter(start__lt=TODAY - dt.timedelta(days=2 * 365)).exists()
    holds = Allocation.objects.filter(state=Allocation.State.HELD)
    assert holds.exists()
    for hold in holds:
        left = timezone.localtime(hold.hold_expires_at).date() - TODAY
        assert dt.timedelta(days=1) <= left <= dt.timedelta(days=3)
    units = Unit.objects.all()
    assert units.filter(leasable=False).exists()
    assert units.filter(ready_on__gt=TODAY).exists()
    assert units.filter(retired_on__isnull=False).exists()
    assert units.filter(in_service_from__gt=TODAY).exists()
    assert units.filter(in_service_from__gt=TODAY - dt.timedelta(days=3 * 365)).exists()
    assert not units.filter(turnkey=True, turnkey_package="").exists()
    assert set(units.values_list("kind", flat=True)) == set(Unit.Kind.values)
    requests = SpaceRequest.objects.filter(status=SpaceRequest.Status.SUBMITTED)
    assert set(requests.values_list("fit_out", flat=True)) == set(SpaceRequest.FitOut.values)
    assert not requests.filter(preferred_carriers__isnull=True).exists()
    # Past lettings answer requests, so time to fill has a history to measure.
    filled = Allocation.objects.filter(request__isnull=False).select_related("request")
    assert filled.count() > 50
    for lease in filled:
        assert lease.request.status == SpaceRequest.Status.ACCEPTED
        assert lease.request.tenant_id == lease.tenant_id
        assert lease.request.submitted_at < lease.created_at
        assert timezone.localdate(lease.created_at) < lease.start
    kinds = set(Qualification.objects.values_list("kind", flat=True))
    assert {Qualification.Kind.TECH_SME, Qualification.Kind.HIGH_TECH} <= kinds
    assert Tenant.objects.filter(graduated_on__isnull=False).exists()
    assert Tenant.objects.filter(moved_out_on__isnull=False).exists()


def test_it_shows_every_status_on_the_rent_control_grid() -> None:
    seed(scale=0.1)
    noon = local_datetime(TODAY, 12)  # holds expire 1-3 days after TODAY
    statuses = Unit.objects.with_status(TODAY, now=noon).values_list("status", flat=True)
    assert set(statuses) == set(UnitStatus.values)


def test_it_keeps_areas_and_rents_realistic() -> None:
    seed()
    for unit in Unit.objects.all():
        assert unit.gross_area.as_tuple().exponent == -2
        assert 0.70 <= unit.usable_area / unit.gross_area <= 0.85 + 1e-4
        if unit.leasable:
            assert 25 <= unit.list_rent <= 80
        if unit.kind in (Unit.Kind.OFFICE, Unit.Kind.COWORKING):
            assert unit.seats > 0


# -- the command ---------------------------------------------------------------------------


def test_it_adds_nothing_when_run_again() -> None:
    first_output = run_command("--seed", "5")
    first = counts()
    second_output = run_command("--seed", "5")
    assert counts() == first
    assert first["carriers"] == 2 and first["allocations"] > 0
    assert "already loaded" not in first_output
    assert "already loaded" in second_output


def test_it_extends_a_smaller_zone_reusing_what_is_there() -> None:
    seed(scale=SMALL)
    before = counts()
    seed(scale=0.05)  # three carriers: the two loaded are skipped
    after = counts()
    assert after["carriers"] == 3
    assert after["units"] > before["units"]
    assert Carrier.objects.filter(code=NAMED[2].code).exists()


def test_it_prints_progress_and_a_summary() -> None:
    output = run_command()
    assert f"[1/2] {NAMED[0].code}" in output
    assert "In the database: 2 carriers" in output
    assert "m² gross" in output
    assert "Done in" in output


def test_it_creates_one_demo_user_per_role() -> None:
    run_command()
    users = {u.username: u for u in get_user_model().objects.all()}
    admin, manager, leader = users["admin"], users["manager"], users["leader"]
    assert admin.is_superuser and admin.is_staff
    assert manager.is_staff and not manager.is_superuser
    assert list(manager.groups.values_list("name", flat=True)) == ["space_manager"]
    managed = manager.managed_carriers.values_list("code", flat=True)
    assert sorted(managed) == sorted(MANAGED_CODES)
    assert list(leader.groups.values_list("name", flat=True)) == ["leadership"]
    assert not leader.is_staff
    companies = []
    for name in ("tenant1", "tenant2"):
        user = users[name]
        assert list(user.groups.values_list("name", flat=True)) == ["tenant"]
        (company,) = user.tenants.all()
        assert company.allocations.exists()
        companies.append(company.pk)
    assert companies[0] != companies[1]


def test_it_prints_the_passwords_only_in_demo_mode() -> None:
    with override_settings(DEMO_MODE=False):
        quiet = run_command()
    assert "zaiti-" not in quiet
    assert "changepassword" in quiet
    assert not get_user_model().objects.get(username="admin").has_usable_password()
    with override_settings(DEMO_MODE=True):
        loud = run_command()
    for spec in DEMO_USERS:
        assert spec.password in loud
        assert get_user_model().objects.get(username=spec.username).check_password(spec.password)


def test_it_revokes_demo_passwords_outside_demo_mode() -> None:
    with override_settings(DEMO_MODE=True):
        run_command()
    manager = get_user_model().objects.get(username="manager")
    manager.set_password("a-password-somebody-chose-2026")
    manager.save()
    with override_settings(DEMO_MODE=False):
        run_command()
    assert not get_user_model().objects.get(username="admin").has_usable_password()
    manager.refresh_from_db()
    assert manager.check_password("a-password-somebody-chose-2026")


def test_it_prints_the_logins_again_on_a_rerun_in_demo_mode() -> None:
    with override_settings(DEMO_MODE=True):
        run_command()
        again = run_command()
    assert "already loaded" in again
    assert "zaiti-manager-2026" in again


def test_it_uses_demo_passwords_that_pass_the_validators() -> None:
    user_model = get_user_model()
    for spec in DEMO_USERS:
        validate_password(spec.password, user_model(username=spec.username))
