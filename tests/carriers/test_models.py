"""The inventory's rules: database constraints first, then the model's own messages.

Each constraint is proven at the database level, with model validation bypassed
(objects.create or a queryset update), so a row can never get in through a path
that skips full_clean (imports, raw SQL, a future bug). Runs on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from carriers.models import Building, Floor, Unit
from tests.factories import make_carrier, make_floor, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> None:
    # The default language is Chinese; these tests read the English source messages.
    with translation.override("en"):
        yield


def refuses(**changes: object) -> None:
    """Assert that updating a fresh unit with `changes` is refused by the database."""
    unit = make_unit()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Unit.objects.filter(pk=unit.pk).update(**changes)


# --- database constraints ---------------------------------------------------------


def test_it_refuses_zero_gross_area() -> None:
    refuses(gross_area=Decimal("0"), usable_area=Decimal("0"))


def test_it_refuses_negative_gross_area() -> None:
    refuses(gross_area=Decimal("-10"))


def test_it_refuses_zero_usable_area() -> None:
    refuses(usable_area=Decimal("0"))


def test_it_refuses_usable_area_over_gross_area() -> None:
    refuses(usable_area=Decimal("200.01"))


def test_it_accepts_usable_area_equal_to_gross_area() -> None:
    unit = make_unit(gross_area=Decimal("80"), usable_area=Decimal("80"))
    assert unit.efficiency == Decimal("1.0000")


def test_it_refuses_a_unit_created_with_usable_over_gross() -> None:
    floor = make_floor()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Unit.objects.create(
            floor=floor,
            code="X1",
            gross_area=Decimal("100"),
            usable_area=Decimal("120"),
            in_service_from=dt.date(2024, 1, 1),
        )
    assert not Unit.objects.filter(code="X1").exists()


def test_it_refuses_negative_list_rent() -> None:
    refuses(list_rent=Decimal("-0.01"))


def test_it_accepts_zero_list_rent() -> None:
    unit = make_unit(list_rent=Decimal("0"))
    assert unit.list_rent == 0


def test_it_refuses_retirement_on_the_day_of_coming_into_service() -> None:
    refuses(in_service_from=dt.date(2024, 1, 1), retired_on=dt.date(2024, 1, 1))


def test_it_refuses_retirement_before_coming_into_service() -> None:
    refuses(in_service_from=dt.date(2024, 1, 1), retired_on=dt.date(2023, 12, 31))


def test_it_accepts_retirement_after_coming_into_service() -> None:
    unit = make_unit(in_service_from=dt.date(2024, 1, 1), retired_on=dt.date(2024, 1, 2))
    assert unit.in_service_on(dt.date(2024, 1, 1))
    assert not unit.in_service_on(dt.date(2024, 1, 2))


def test_it_refuses_floor_level_zero() -> None:
    building = Building.objects.create(carrier=make_carrier(), code="A", name="A栋")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Floor.objects.create(building=building, level=0, label="0F")
    Floor.objects.create(building=building, level=-1, label="B1")
    Floor.objects.create(building=building, level=1, label="1F")
    assert building.floors.count() == 2


def test_it_refuses_a_floor_level_twice_in_one_building() -> None:
    floor = make_floor(level=3)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Floor.objects.create(building=floor.building, level=3, label="3F bis")


def test_it_refuses_a_unit_code_twice_within_a_carrier() -> None:
    carrier = make_carrier()
    make_unit(carrier, code="301")
    other_floor = make_floor(carrier, level=2)
    with transaction.atomic(), pytest.raises(IntegrityError):
        make_unit(floor=other_floor, code="301")
    assert Unit.objects.filter(carrier=carrier, code="301").count() == 1


def test_it_allows_the_same_unit_code_in_another_carrier() -> None:
    first = make_unit(make_carrier(), code="301")
    second = make_unit(make_carrier(), code="301")
    assert first.carrier_id != second.carrier_id
    assert Unit.objects.filter(code="301").count() == 2


def test_it_refuses_a_building_code_twice_within_a_carrier() -> None:
    carrier = make_carrier()
    Building.objects.create(carrier=carrier, code="B", name="B栋")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Building.objects.create(carrier=carrier, code="B", name="另一个B栋")


def test_it_allows_the_same_building_code_in_another_carrier() -> None:
    Building.objects.create(carrier=make_carrier(), code="B", name="B栋")
    Building.objects.create(carrier=make_carrier(), code="B", name="B栋")
    assert Building.objects.filter(code="B").count() == 2


# --- Unit.save keeps the denormalised carrier in step --------------------------------


def test_it_derives_the_unit_carrier_from_its_floor() -> None:
    carrier = make_carrier()
    floor = make_floor(carrier)
    unit = Unit(
        floor=floor,
        code="101",
        gross_area=Decimal("100"),
        usable_area=Decimal("80"),
        in_service_from=dt.date(2024, 1, 1),
    )
    unit.save()
    unit.refresh_from_db()
    assert unit.carrier_id == carrier.pk


def test_it_moves_the_unit_carrier_with_its_floor() -> None:
    unit = make_unit(make_carrier())
    elsewhere = make_carrier()
    unit.carrier = make_carrier()  # whatever was set by hand is overridden
    unit.floor = make_floor(elsewhere)
    unit.save()
    unit.refresh_from_db()
    assert unit.carrier_id == elsewhere.pk


# --- model messages (what a form shows) ------------------------------------------------


def unsaved_unit(**fields: object) -> Unit:
    values: dict[str, object] = {
        "floor": make_floor(),
        "code": "201",
        "gross_area": Decimal("100"),
        "usable_area": Decimal("80"),
        "in_service_from": dt.date(2024, 1, 1),
    }
    values.update(fields)
    unit = Unit(**values)
    unit.carrier = unit.floor.building.carrier
    return unit


def test_it_passes_full_clean_for_a_sound_unit() -> None:
    unsaved_unit().full_clean()


def test_it_explains_usable_area_over_gross_area() -> None:
    with pytest.raises(ValidationError) as exc:
        unsaved_unit(usable_area=Decimal("100.01")).full_clean()
    assert exc.value.message_dict["usable_area"] == ["Usable area cannot exceed gross area."]


def test_it_explains_retirement_before_service() -> None:
    with pytest.raises(ValidationError) as exc:
        unsaved_unit(retired_on=dt.date(2024, 1, 1)).full_clean()
    assert exc.value.message_dict["retired_on"] == [
        "A unit must be retired after it comes into service."
    ]


def test_it_asks_for_the_package_of_a_turnkey_unit() -> None:
    with pytest.raises(ValidationError) as exc:
        unsaved_unit(turnkey=True, turnkey_package="  ").full_clean()
    assert exc.value.message_dict["turnkey_package"] == [
        "Describe the furnished package of a turnkey unit."
    ]
    unsaved_unit(turnkey=True, turnkey_package="办公桌椅、会议室、网络").full_clean()


def test_it_explains_a_zero_area_through_the_field_validator() -> None:
    with pytest.raises(ValidationError) as exc:
        unsaved_unit(gross_area=Decimal("0"), usable_area=Decimal("0")).full_clean()
    assert set(exc.value.message_dict) >= {"gross_area", "usable_area"}


def test_it_computes_common_share_and_efficiency() -> None:
    unit = make_unit(gross_area=Decimal("200.00"), usable_area=Decimal("150.00"))
    assert unit.common_share == Decimal("50.00")
    assert unit.efficiency == Decimal("0.7500")
