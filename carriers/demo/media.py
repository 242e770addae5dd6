"""Pictures for the demo zone: floor plans, unit shapes, unit photos and carrier covers.

Only for the five carriers named in the report (roster.NAMED), whatever the
scale: they keep about the same size at every scale, so this costs the same
few seconds at scale 0.1 and at 10. Everything goes through the services of
carriers/images.py, so thumbnails exist and the files are stored as uploads
are. Idempotent: a floor with a plan, a carrier with a cover, and a carrier
with any unit photo are left as they are.

- Every floor with units gets a plan (drawings.draw_plan), and its current
  units (not retired today; on a floor being re-partitioned, the layout in
  service now) get the rectangles of that drawing as their `shape`.
- Each carrier gets a cover, and a few units get two photos each: units
  offered now (a live hold), units leased by the companies of demo users
  (so tenant1 and tenant2 see pictures in the portal), and a few vacant,
  leasable units (what a manager would show a visitor).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from carriers.demo.drawings import PlannedUnit, draw_cover, draw_plan, draw_unit_photo
from carriers.demo.roster import NAMED
from carriers.images import store_carrier_cover, store_floor_plan, store_unit_photo
from carriers.models import Carrier, CarrierCover, Floor, Unit, UnitPhoto
from leasing.models import Allocation

SHOWCASE_UNITS = 3  # vacant units photographed per carrier
MAX_PICTURED_UNITS = 8  # per carrier, whatever the ledger holds
PHOTOS_PER_UNIT = 2
CAPTIONS = {
    "office": ("办公区", "会议室"),
    "coworking": ("共享工位区", "休闲区"),
    "lab": ("实验区", "样品间"),
    "cleanroom": ("洁净区", "更衣缓冲间"),
    "workshop": ("生产区", "货运通道"),
    "warehouse": ("仓储区", "装卸区"),
}


def _quiet(line: str) -> None:
    pass


def seed_demo_media(
    *, seed: int, today: dt.date, progress: Callable[[str], None] = _quiet
) -> dict[str, int]:
    """Add what is missing; return how many plans, shapes, photos and covers were added."""
    added = {"plans": 0, "shapes": 0, "photos": 0, "covers": 0}
    carriers = Carrier.objects.filter(code__in=[spec.code for spec in NAMED]).order_by("pk")
    for carrier in carriers:
        rng = random.Random(f"zaiti-demo/{seed}/{carrier.code}/media")
        plans, shapes = _plans(carrier, today)
        added["plans"] += plans
        added["shapes"] += shapes
        if not CarrierCover.objects.filter(carrier=carrier).exists():
            store_carrier_cover(
                carrier=carrier, upload=_jpeg(draw_cover(carrier.code, rng)), user=None
            )
            added["covers"] += 1
        added["photos"] += _photos(carrier, rng, today)
        progress(f"{carrier.code}: {plans} plans, {shapes} shapes")
    return added


def _jpeg(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("demo.jpg", data, content_type="image/jpeg")


def current_layout(units: list[Unit], today: dt.date) -> list[Unit]:
    """The units that make up the floor now: not retired, and on a floor to be
    re-partitioned, not yet the layout that replaces them."""
    live = [u for u in units if u.retired_on is None or u.retired_on > today]
    retiring = [u.retired_on for u in live if u.retired_on is not None]
    if retiring:
        first = min(retiring)
        live = [u for u in live if u.in_service_from < first]
    return live


def _plans(carrier: Carrier, today: dt.date) -> tuple[int, int]:
    floors = (
        Floor.objects.filter(building__carrier=carrier, plan__isnull=True)
        .select_related("building")
        .order_by("building__code", "level")
    )
    plans = shapes = 0
    for floor in floors:
        units = current_layout(list(Unit.objects.filter(floor=floor).order_by("code")), today)
        if not units:
            continue
        planned = [PlannedUnit(u.code, float(u.gross_area), u.kind, u.leasable) for u in units]
        title = f"{carrier.code}   {floor.building.code}   {floor.label}"
        png, layout = draw_plan(planned, title)
        upload = SimpleUploadedFile("plan.png", png, content_type="image/png")
        store_floor_plan(floor=floor, upload=upload, user=None)
        with transaction.atomic():
            for unit in units:
                if unit.shape is None:
                    unit.shape = layout.shape(unit.code)
                    shapes += 1
            Unit.objects.bulk_update([u for u in units if u.shape], ["shape"])
        plans += 1
    return plans, shapes


def _pictured_units(carrier: Carrier, today: dt.date) -> list[Unit]:
    now = timezone.now()
    units = Unit.objects.filter(carrier=carrier)
    live_hold = Q(allocations__state=Allocation.State.HELD, allocations__hold_expires_at__gt=now)
    demo_lease = Q(
        allocations__state=Allocation.State.ACTIVE,
        allocations__start__lte=today,
        allocations__tenant__users__isnull=False,
    ) & (Q(allocations__end__isnull=True) | Q(allocations__end__gt=today))
    chosen = list(units.filter(live_hold | demo_lease).distinct().order_by("code"))
    busy = Allocation.objects.filter(
        Q(end__isnull=True) | Q(end__gt=today),
        state__in=(Allocation.State.ACTIVE, Allocation.State.HELD),
    ).values("unit_id")
    vacant = (
        units.filter(leasable=True, in_service_from__lte=today)
        .filter(Q(retired_on__isnull=True) | Q(retired_on__gt=today))
        .exclude(pk__in=busy)
        .order_by("-turnkey", "code")
    )
    chosen += [u for u in vacant[: SHOWCASE_UNITS + len(chosen)] if u not in chosen][
        :SHOWCASE_UNITS
    ]
    return chosen[:MAX_PICTURED_UNITS]


def _photos(carrier: Carrier, rng: random.Random, today: dt.date) -> int:
    if UnitPhoto.objects.filter(unit__carrier=carrier).exists():
        return 0
    added = 0
    for unit in _pictured_units(carrier, today):
        captions = CAPTIONS.get(unit.kind, CAPTIONS["office"])
        for caption in captions[:PHOTOS_PER_UNIT]:
            photo = _jpeg(draw_unit_photo(unit.kind, rng))
            store_unit_photo(unit=unit, upload=photo, user=None, caption=caption)
            added += 1
    return added
