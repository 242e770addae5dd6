"""Guard rails around the ledger found in review: paths that could leave a lease,
its request and its unit out of step."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from carriers.admin import UnitAdminForm
from carriers.models import Unit
from leasing.access import MANAGER_GROUP, scope_for
from leasing.leases import lease_renew, lease_terminate
from leasing.models import Allocation, SpaceRequest
from leasing.offers import offer_accept, offer_make, requests_reopen_lapsed
from leasing.services import allocation_update
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import days, make_lease, make_manager, make_request, make_user, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def unit_form(unit: Unit, **changes: object) -> UnitAdminForm:
    data = {
        "floor": unit.floor_id,
        "code": unit.code,
        "kind": unit.kind,
        "gross_area": unit.gross_area,
        "usable_area": unit.usable_area,
        "seats": unit.seats,
        "list_rent": unit.list_rent,
        "leasable": unit.leasable,
        "turnkey": unit.turnkey,
        "turnkey_package": unit.turnkey_package,
        "ready_on": unit.ready_on or "",
        "in_service_from": unit.in_service_from,
        "retired_on": unit.retired_on or "",
    }
    data.update(changes)
    if data["leasable"] is False:
        del data["leasable"]  # an unticked checkbox is absent from the POST
    return UnitAdminForm(data=data, instance=unit)


def test_it_refuses_to_end_early_a_lease_that_a_renewal_continues() -> None:
    unit = make_unit()
    manager = make_manager(unit.carrier)
    first = make_lease(unit, today() - days(100), today() + days(100))
    lease_renew(lease=first, new_end=today() + days(465), actor=manager)

    with pytest.raises(ValidationError) as exc:
        lease_terminate(lease=first, on=today() + days(10), actor=manager)

    assert exc.value.code == "terminate_renewed"
    first.refresh_from_db()
    assert first.end == today() + days(100)


def test_it_gives_a_manager_without_carriers_no_queue() -> None:
    make_request(make_tenant())  # names no carrier: open to every manager of a carrier
    user = make_user()
    user.groups.add(Group.objects.get_or_create(name=MANAGER_GROUP)[0])

    scope = scope_for(user)

    assert scope.requests().count() == 0
    assert scope.tenants().count() == 0


def test_it_keeps_an_accepted_request_out_of_the_queue_even_if_marked_offered() -> None:
    unit = make_unit()
    manager = make_manager(unit.carrier)
    request = make_request(make_tenant())
    hold = offer_make(request=request, unit=unit, actor=manager)
    offer_accept(offer=hold, actor=manager)
    # As if an edit outside the workflow had left the request marked offered.
    SpaceRequest.objects.filter(pk=request.pk).update(status=SpaceRequest.Status.OFFERED)

    assert requests_reopen_lapsed() == 0
    request.refresh_from_db()
    assert request.status == SpaceRequest.Status.OFFERED


def test_it_refuses_an_edit_made_over_a_change_by_someone_else() -> None:
    unit = make_unit()
    manager = make_manager(unit.carrier)
    request = make_request(make_tenant())
    hold = offer_make(request=request, unit=unit, actor=manager)
    stale = Allocation.objects.get(pk=hold.pk)
    offer_accept(offer=hold, actor=manager)  # meanwhile, the tenant accepts

    stale.note = "edited from an old form"
    with pytest.raises(ValidationError) as exc:
        allocation_update(stale, actor=manager, expected_state=Allocation.State.HELD)

    assert exc.value.code == "allocation_changed"
    hold.refresh_from_db()
    assert hold.state == Allocation.State.ACTIVE


def test_it_lets_a_note_be_added_to_a_lease_whose_unit_has_since_been_taken_off_the_market() -> (
    None
):
    unit = make_unit()
    lease = make_lease(unit, today() - days(400), today() - days(35))
    Unit.objects.filter(pk=unit.pk).update(leasable=False)

    lease.note = "deposit returned"
    allocation_update(lease)

    lease.refresh_from_db()
    assert lease.note == "deposit returned"


def test_it_refuses_to_retire_a_unit_before_its_lease_ends() -> None:
    unit = make_unit()
    lease = make_lease(unit, today() - days(10), today() + days(100))

    form = unit_form(unit, retired_on=today() + days(50))

    assert not form.is_valid()
    assert f"Lease #{lease.pk}" in form.errors["retired_on"][0]


def test_it_refuses_to_take_a_leased_unit_off_the_market() -> None:
    unit = make_unit()
    make_lease(unit, today() - days(10), None)

    form = unit_form(unit, leasable=False)

    assert not form.is_valid()
    assert "leasable" in form.errors


def test_it_refuses_to_move_the_service_start_after_a_lease_begins() -> None:
    unit = make_unit()
    lease = make_lease(unit, today() - days(10), None)

    form = unit_form(unit, in_service_from=today())

    assert not form.is_valid()
    assert f"Lease #{lease.pk}" in form.errors["in_service_from"][0]


def test_it_accepts_unit_edits_that_keep_clear_of_the_ledger() -> None:
    unit = make_unit(list_rent=Decimal("45.00"))
    make_lease(unit, today() - days(10), today() + days(100))

    form = unit_form(unit, retired_on=today() + days(200), list_rent="50.00")

    assert form.is_valid(), form.errors


def test_it_keeps_the_admin_for_the_district_admin_only(client: Client) -> None:
    carrier = make_carrier()
    manager = make_manager(carrier)
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    assert client.get("/admin/").status_code == 302  # to the admin login

    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_it_never_deletes_ledger_rows_or_history_in_the_admin(client: Client) -> None:
    unit = make_unit()
    lease = make_lease(unit, today() - days(10), None)
    client.force_login(make_user(is_staff=True, is_superuser=True))

    assert client.get(f"/admin/leasing/allocation/{lease.pk}/delete/").status_code == 403
    event = lease.events.get()
    assert client.get(f"/admin/leasing/event/{event.pk}/delete/").status_code == 403
    assert client.get(f"/admin/leasing/event/{event.pk}/change/").status_code == 200  # view only


def test_it_refuses_to_withdraw_an_offer_with_an_overlong_reason(client: Client) -> None:
    unit = make_unit()
    manager = make_manager(unit.carrier)
    request = make_request(make_tenant())
    hold = offer_make(request=request, unit=unit, actor=manager)
    client.force_login(manager)

    response = client.post(f"/work/offers/{hold.pk}/withdraw/", {"note": "x" * 501})

    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.state == Allocation.State.HELD
