"""The managers' shape editor of a floor: who may use it, saving whole or not at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _

from carriers.models import Floor, Unit
from tests.factories import make_carrier, make_floor, make_tenant, make_unit
from tests.leasing.workflow import make_leadership, make_manager, make_tenant_user, make_user

pytestmark = pytest.mark.django_db

RECT = {"kind": "rect", "points": [[0.1, 0.1], [0.4, 0.3]]}
TRIANGLE = {"kind": "polygon", "points": [[0.5, 0.5], [0.9, 0.5], [0.7, 0.9]]}


@pytest.fixture
def floor() -> Floor:
    carrier = make_carrier(code="ycl2", name="阳澄湖两岸科创中心研发总部二期")
    floor = make_floor(carrier, level=3)
    make_unit(floor=floor, code="A-302")
    make_unit(floor=floor, code="A-301", shape=TRIANGLE)
    return floor


def unit(floor: Floor, code: str) -> Unit:
    return Unit.objects.get(floor=floor, code=code)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def manager_of(floor: Floor) -> Client:
    return client_for(make_manager(floor.building.carrier, username="zhou.min"))


def url(floor: Floor | int) -> str:
    return reverse("workspace:floor_map", args=[floor if isinstance(floor, int) else floor.pk])


def save(client: Client, floor: Floor, shapes: object) -> Any:
    text = shapes if isinstance(shapes, str) else json.dumps(shapes)
    return client.post(url(floor), {"shapes": text})


def stored(floor: Floor) -> dict[str, Any]:
    return dict(Unit.objects.filter(floor=floor).values_list("code", "shape"))


# --- the page ---------------------------------------------------------------------------


def test_it_shows_the_floors_units_and_their_shapes_to_its_manager(floor: Floor) -> None:
    response = manager_of(floor).get(url(floor))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="fm-canvas"' in body
    assert '<script src="/static/floor_map.js" defer></script>' in body
    assert "<script>" not in body and "style=" not in body  # nothing inline
    data = response.context["data"]
    assert [u["code"] for u in data["units"]] == ["A-301", "A-302"]  # in code order
    assert data["units"][0]["shape"] == TRIANGLE
    assert data["units"][1]["shape"] is None
    # The undrawn unit gets a place on the grid to start from.
    assert set(data["suggested"]) == {str(unit(floor, "A-302").pk)}
    assert data["draft"] is None
    assert 'id="floor-map-data" type="application/json"' in body


def test_it_links_the_floor_page_and_the_plan_upload(floor: Floor) -> None:
    body = manager_of(floor).get(url(floor)).content.decode()

    assert reverse("dashboard:floor", args=["ycl2", floor.pk]) in body
    assert reverse("workspace:floor_plan", args=[floor.pk]) in body


def test_it_draws_on_a_blank_sheet_with_grid_lines_without_a_plan(floor: Floor) -> None:
    response = manager_of(floor).get(url(floor))

    body = response.content.decode()
    assert 'class="fm-sheet"' in body and 'class="fm-grid-line"' in body
    assert "<image" not in body
    assert response.context["data"]["canvas"] == {"width": 1000, "height": 625}


def test_it_lets_the_admin_in(floor: Floor) -> None:
    admin = make_user("admin", is_superuser=True, is_staff=True)
    assert client_for(admin).get(url(floor)).status_code == 200


def test_it_refuses_leadership_with_403(floor: Floor) -> None:
    leader = client_for(make_leadership("leader"))

    assert leader.get(url(floor)).status_code == 403
    assert save(leader, floor, {str(unit(floor, "A-302").pk): RECT}).status_code == 403
    assert stored(floor)["A-302"] is None


def test_it_answers_outsiders_as_if_the_floor_did_not_exist(floor: Floor) -> None:
    other = make_carrier(code="jccx")
    outsiders = (
        make_manager(other, username="manager_y"),
        make_tenant_user(make_tenant(), "tenant_a"),
        make_user("newcomer"),
    )
    target = {str(unit(floor, "A-302").pk): RECT}
    for user in outsiders:
        client = client_for(user)
        assert client.get(url(floor)).status_code == 404, user
        assert client.get(url(987654321)).status_code == 404, user
        assert save(client, floor, target).status_code == 404, user
    assert stored(floor)["A-302"] is None
    anonymous = Client().get(url(floor))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# --- saving -----------------------------------------------------------------------------


def test_it_saves_the_shapes_normalised_and_says_so(floor: Floor) -> None:
    client = manager_of(floor)
    a301, a302 = unit(floor, "A-301"), unit(floor, "A-302")
    drawn_backwards = {"kind": "rect", "points": [[0.4, 0.3], [0.1, 0.1]]}

    response = save(client, floor, {str(a302.pk): drawn_backwards, str(a301.pk): TRIANGLE})

    assert response.status_code == 302
    assert response["Location"] == url(floor)
    assert stored(floor) == {"A-301": TRIANGLE, "A-302": RECT}
    page = client.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    assert messages == [_("Shapes saved: %(n)s unit changed.") % {"n": 1}]


def test_it_clears_a_shape_given_null(floor: Floor) -> None:
    response = save(manager_of(floor), floor, {str(unit(floor, "A-301").pk): None})

    assert response.status_code == 302
    assert stored(floor)["A-301"] is None


def test_it_leaves_units_not_sent_as_they_were(floor: Floor) -> None:
    save(manager_of(floor), floor, {str(unit(floor, "A-302").pk): RECT})

    assert stored(floor) == {"A-301": TRIANGLE, "A-302": RECT}


def refused(response: Any) -> list[str]:
    assert response.status_code == 200  # the form again, as every refused workspace form
    errors = response.context["errors"]
    body = response.content.decode()
    assert 'class="fm-errors errorlist" role="alert"' in body
    return errors


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2", "null"])
def test_it_refuses_what_is_not_json_of_shapes(floor: Floor, text: str) -> None:
    errors = refused(save(manager_of(floor), floor, text))

    assert errors[0] in (
        _("The shapes sent could not be read (not valid JSON). Nothing was saved."),
        _("The shapes sent must be an object of unit ids and shapes. Nothing was saved."),
    )
    assert stored(floor) == {"A-301": TRIANGLE, "A-302": None}


def test_it_refuses_a_list_instead_of_an_object(floor: Floor) -> None:
    errors = refused(save(manager_of(floor), floor, [RECT]))

    assert errors == [
        _("The shapes sent must be an object of unit ids and shapes. Nothing was saved.")
    ]


def test_it_saves_nothing_when_one_shape_is_bad(floor: Floor) -> None:
    a301, a302 = unit(floor, "A-301"), unit(floor, "A-302")
    bow_tie = {"kind": "polygon", "points": [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]]}

    response = save(manager_of(floor), floor, {str(a302.pk): RECT, str(a301.pk): bow_tie})

    errors = refused(response)
    crossing = _("The polygon's edges cross each other: draw its outline in order.")
    assert errors == [
        _("Unit %(code)s: %(error)s") % {"code": "A-301", "error": crossing},
        _("Nothing was saved."),
    ]
    assert stored(floor) == {"A-301": TRIANGLE, "A-302": None}
    # The editor starts again from what the manager drew, so nothing is lost.
    assert json.loads(response.context["data"]["draft"])[str(a302.pk)] == RECT


def test_it_reports_every_bad_shape_at_once(floor: Floor) -> None:
    a301, a302 = unit(floor, "A-301"), unit(floor, "A-302")
    shapes = {
        str(a301.pk): {"kind": "rect", "points": [[0.1, 0.1], [0.1, 0.5]]},
        str(a302.pk): {"kind": "circle", "points": [[0.1, 0.1]]},
    }

    errors = refused(save(manager_of(floor), floor, shapes))

    assert len(errors) == 3
    assert errors[0].startswith(_("Unit %(code)s: %(error)s") % {"code": "A-301", "error": ""})
    assert errors[1].startswith(_("Unit %(code)s: %(error)s") % {"code": "A-302", "error": ""})


@pytest.mark.parametrize(
    "where", ["another floor", "another carrier", "nowhere", "not an id", "a superscript digit"]
)
def test_it_refuses_a_unit_that_is_not_on_the_floor(floor: Floor, where: str) -> None:
    if where == "another floor":
        key = str(make_unit(floor=make_floor(floor.building.carrier, level=4), code="A-401").pk)
    elif where == "another carrier":
        key = str(make_unit(make_carrier(code="jccx"), code="Y-101").pk)
    elif where == "nowhere":
        key = "987654321"
    elif where == "a superscript digit":
        key = "²"  # str.isdigit() says yes, int() says no
    else:
        key = "A-302"
    shapes = {str(unit(floor, "A-302").pk): RECT, key: RECT}

    errors = refused(save(manager_of(floor), floor, shapes))

    # The same words whether the unit exists elsewhere or not at all.
    assert errors == [
        _("Unit #%(id)s is not on this floor.") % {"id": key},
        _("Nothing was saved."),
    ]
    assert stored(floor)["A-302"] is None
    assert not Unit.objects.exclude(floor=floor).exclude(shape=None).exists()


def test_it_refuses_another_managers_floor_even_when_posting_their_own_units(
    floor: Floor,
) -> None:
    other = make_carrier(code="jccx")
    other_floor = make_floor(other, level=1)
    theirs = make_unit(floor=other_floor, code="Y-101")
    client = manager_of(floor)

    response = save(client, other_floor, {str(theirs.pk): RECT})

    assert response.status_code == 404
    assert Unit.objects.get(pk=theirs.pk).shape is None
