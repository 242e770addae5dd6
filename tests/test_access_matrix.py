"""The access matrix: every URL × every role × in scope / out of scope (DESIGN.md §1, §4.4).

One world. Carriers X and Y. Company A asks for space in X only, holds a live
offer on a unit of X (and has a second request still in the queue), and leases
another unit of X with its move-in handover recorded. Company B has the same on
Y. Every URL of the apps is requested, pointing at A's and X's objects, by each
of eight roles:

    anonymous  not signed in
    newcomer   signed up, no company registered yet
    tenant_a   a user of company A: A's objects are theirs
    tenant_b   a user of company B: an outsider to A
    manager_x  manages carrier X: A's objects are in their carriers
    manager_y  manages carrier Y: an outsider to X
    leader     leadership: reads every carrier, changes nothing
    admin      the district admin (superuser): everything

The tables GET and POST below are the decision of who may see and do what;
the URL list is walked from the resolver, so a URL added without a row in them
fails test_it_lists_every_url_of_the_apps. Out of scope is a 404 that looks
exactly like a missing object (test_it_answers_outsiders_as_if_nothing_were_there);
a refused POST changes nothing in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from csp.utils import build_policy
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from carriers.images import store_carrier_cover, store_floor_plan, store_unit_photo
from carriers.imports.reading import Source
from carriers.imports.service import import_space
from carriers.imports.storage import save_pending
from carriers.models import Carrier, CarrierCover, FloorPlan, Unit, UnitPhoto
from leasing.access import TENANT_GROUP, scope_for
from leasing.leases import handover_record
from leasing.models import Allocation, Event, Handover, SpaceRequest, Tenant
from leasing.offers import offer_make
from leasing.terms import add_months
from leasing.uscc import make_uscc
from reports.models import ReportJob
from tests.factories import make_carrier, make_tenant, make_unit
from tests.images import image_bytes
from tests.leasing.workflow import (
    days,
    make_leadership,
    make_lease,
    make_manager,
    make_request,
    make_tenant_user,
    make_user,
    today,
)
from tests.pages import unmasked

pytestmark = pytest.mark.django_db

# --- expectations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    to: str = ""  # a redirect's target, as a URL name ("login" for the login page)
    writes: bool = False  # a POST that is let through changes the database

    def __str__(self) -> str:
        return f"{self.status}→{self.to}" if self.to else str(self.status)


# The legend of the tables.
OK = Expect(200)
LOGIN = Expect(302, "login")  # anonymous: to the login page, nothing else said
HOME = Expect(302, "portal:home")  # to the portal's home (signed in already, or no carriers)
JOIN = Expect(302, "portal:company_register")  # signed up: register a company first
HIDE = Expect(404)  # out of scope: exactly as if it did not exist
DENY = Expect(403)  # leadership: may see it, may not change it
NOGET = Expect(405)  # POST only, answered before any lookup: says nothing of the object
UNAUTH = Expect(401)  # the JSON API, not signed in (JSON, no redirect to a login page)
NOTSTAFF = Expect(403)  # the JSON API, a company's user: refused before any lookup
WRITE = Expect(302, writes=True)  # let through: changes the database, then AFTER_WRITE
PREVIEW = Expect(302, "workspace:import_preview")  # an upload checked and kept: to its dry run

# Columns in this order (abbreviated in the tables' headers).
ROLES = (
    "anonymous",
    "newcomer",
    "tenant_a",
    "tenant_b",
    "manager_x",
    "manager_y",
    "leader",
    "admin",
)

# fmt: off
GET: dict[str, tuple[Expect, ...]] = {
    #                                anon   newcom ten_a  ten_b  mgr_x  mgr_y  leader admin
    "overview":                     (LOGIN, HOME,  HOME,  HOME,  OK,    OK,    OK,    OK),
    "portal:home":                  (LOGIN, JOIN,  OK,    HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:register":              (OK,    HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "portal:company_register":      (LOGIN, OK,    HOME,  HOME,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:request_new":           (LOGIN, JOIN,  OK,    HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:request":               (LOGIN, HIDE,  OK,    HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:request_withdraw":      (LOGIN, HIDE,  OK,    HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:offer_accept":          (LOGIN, HIDE,  NOGET, HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:offer_decline":         (LOGIN, HIDE,  NOGET, HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:lease":                 (LOGIN, HIDE,  OK,    HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "workspace:queue":              (LOGIN, HIDE,  HIDE,  HIDE,  OK,    OK,    OK,    OK),
    "workspace:request":            (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "workspace:request_offer":      (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "workspace:request_close":      (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "workspace:request_candidates": (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "workspace:offer_withdraw":     (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "workspace:lease":              (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "workspace:handover":           (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "workspace:lease_renew":        (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "workspace:lease_terminate":    (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "workspace:unit":               (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "workspace:tenant":             (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "workspace:vacancy":            (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    # Pictures: leadership may look at the upload pages (no form), not upload.
    "workspace:floor_plan":         (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "workspace:carrier_cover":      (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "workspace:unit_photo_add":     (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "workspace:unit_photo_edit":    (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "workspace:unit_photo_delete":  (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    # The files themselves: A leases unit_a, so A sees its photo, its floor's plan and X's cover.
    "files:plan":                   (LOGIN, HIDE,  OK,    HIDE,  OK,    HIDE,  OK,    OK),
    "files:photo":                  (LOGIN, HIDE,  OK,    HIDE,  OK,    HIDE,  OK,    OK),
    "files:cover":                  (LOGIN, HIDE,  OK,    HIDE,  OK,    HIDE,  OK,    OK),
    # The shape editor is a tool for changing the floor: leadership has nothing to do there.
    "workspace:floor_map":          (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  DENY,  OK),
    "workspace:import":             (LOGIN, HIDE,  HIDE,  HIDE,  OK,    OK,    DENY,  OK),
    "workspace:import_template":    (LOGIN, HIDE,  HIDE,  HIDE,  OK,    OK,    DENY,  OK),
    # An upload kept for its confirmation is its uploader's alone (manager_x's here).
    "workspace:import_preview":     (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  DENY,  HIDE),
    "workspace:import_apply":       (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "units:search":                 (LOGIN, HIDE,  HIDE,  HIDE,  OK,    OK,    OK,    OK),
    "units:search_json":            (UNAUTH, NOTSTAFF, NOTSTAFF, NOTSTAFF, OK, OK,  OK,    OK),
    "units:count_json":             (UNAUTH, NOTSTAFF, NOTSTAFF, NOTSTAFF, OK, OK,  OK,    OK),
    "dashboard:carrier":            (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "dashboard:building":           (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "dashboard:floor":              (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "dashboard:grid":               (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "dashboard:grid_building":      (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "dashboard:api_occupancy":      (UNAUTH, NOTSTAFF, NOTSTAFF, NOTSTAFF, OK, HIDE, OK,   OK),
    "reports:district":             (LOGIN, HIDE,  HIDE,  HIDE,  OK,    OK,    OK,    OK),
    "reports:build":                (LOGIN, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET, NOGET),
    "reports:job":                  (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "reports:job_status":           (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "reports:job_download":         (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "reports:carrier_pdf":          (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "reports:carrier_xlsx":         (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
    "reports:carrier_csv":          (LOGIN, HIDE,  HIDE,  HIDE,  OK,    HIDE,  OK,    OK),
}

# The endpoints that change something, each POSTed with valid data (post_data):
# a refusal is about who asks, never about what they typed.
POST: dict[str, tuple[Expect, ...]] = {
    #                                anon   newcom ten_a  ten_b  mgr_x  mgr_y  leader admin
    "portal:register":              (WRITE, HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "portal:company_register":      (LOGIN, WRITE, HOME,  HOME,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:request_new":           (LOGIN, JOIN,  WRITE, HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:request_withdraw":      (LOGIN, HIDE,  WRITE, HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:offer_accept":          (LOGIN, HIDE,  WRITE, HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "portal:offer_decline":         (LOGIN, HIDE,  WRITE, HIDE,  HIDE,  HIDE,  HIDE,  HIDE),
    "workspace:request_offer":      (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:request_close":      (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:offer_withdraw":     (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:handover":           (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:lease_renew":        (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:lease_terminate":    (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:floor_plan":         (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:carrier_cover":      (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:unit_photo_add":     (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:unit_photo_edit":    (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:unit_photo_delete":  (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    "workspace:floor_map":          (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  WRITE),
    # The upload is a dry run: it writes nothing. Y's manager sees X's rows refused.
    "workspace:import":             (LOGIN, HIDE,  HIDE,  HIDE,  PREVIEW, OK,  DENY,  PREVIEW),
    "workspace:import_apply":       (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, HIDE,  DENY,  HIDE),
    # Reading is leadership's job: they may ask for a report (of their scope).
    "reports:build":                (LOGIN, HIDE,  HIDE,  HIDE,  WRITE, WRITE, WRITE, WRITE),
}
# fmt: on

# Where a successful write sends the user.
AFTER_WRITE = {
    "portal:register": "portal:home",
    "portal:company_register": "portal:home",
    "portal:request_new": "portal:request",
    "portal:request_withdraw": "portal:request",
    "portal:offer_accept": "portal:lease",
    "portal:offer_decline": "portal:request",
    "workspace:request_offer": "workspace:request",
    "workspace:request_close": "workspace:request",
    "workspace:offer_withdraw": "workspace:request",
    "workspace:handover": "workspace:lease",
    "workspace:lease_renew": "workspace:lease",
    "workspace:lease_terminate": "workspace:lease",
    "workspace:floor_plan": "workspace:floor_map",
    "workspace:carrier_cover": "workspace:vacancy",
    "workspace:unit_photo_add": "workspace:unit",
    "workspace:unit_photo_edit": "workspace:unit",
    "workspace:unit_photo_delete": "workspace:unit",
    "workspace:floor_map": "workspace:floor_map",
    "workspace:import_apply": "workspace:import",
    "reports:build": "reports:job",
}

# Company names a role must never read, on any page or answer of the matrix.
FOREIGN = {
    "anonymous": ("a", "b", "c"),
    "newcomer": ("a", "b", "c"),
    "tenant_a": ("b", "c"),
    "tenant_b": ("a", "c"),
    "manager_x": ("b",),
    "manager_y": ("a",),
    "leader": (),
    "admin": (),
}
# Roles to whom A's and X's objects are someone else's.
OUTSIDERS = ("anonymous", "newcomer", "tenant_b", "manager_y")

# Left to Django and its own tests: the admin site, login/logout/password
# views, and the language switch; and the redirect of /favicon.ico to our icon.
SKIPPED_PREFIXES = ("admin/", "accounts/", "i18n/", "favicon.ico")
APP_NAMESPACES = {"portal", "workspace", "dashboard", "reports", "units", "files"}


# --- the world --------------------------------------------------------------------------


@dataclass
class World:
    x: Carrier
    y: Carrier
    a: Tenant
    b: Tenant
    req_a: SpaceRequest  # offered a unit of X
    queued_a: SpaceRequest  # waiting in X's queue
    offer_a: Allocation
    lease_a: Allocation
    unit_a: Unit  # the unit of lease_a
    free_x: Unit  # vacant: what a manager offers in the POST
    req_b: SpaceRequest
    queued_b: SpaceRequest
    offer_b: Allocation
    lease_b: Allocation
    c: Tenant  # asks any carrier: in both managers' queues
    req_c: SpaceRequest  # offered a unit of Y
    offer_c: Allocation
    users: dict[str, User | AnonymousUser]
    job_x: ReportJob | None = None  # a finished report on X, asked for by X's manager
    plan_x: FloorPlan | None = None  # the plan of unit_a's floor
    photo_a: UnitPhoto | None = None  # a photo of unit_a
    cover_x: CarrierCover | None = None
    import_x: str = ""  # the token of an upload by X's manager, checked and awaiting confirmation


def _company_side(carrier: Carrier, tenant: Tenant, manager: User, prefix: str) -> dict[str, Any]:
    leased = make_unit(carrier, code=f"{prefix}-101")
    offered = make_unit(carrier, code=f"{prefix}-201")
    lease = make_lease(leased, today() - days(100), today() + days(265), tenant=tenant)
    handover_record(lease=lease, kind=Handover.Kind.MOVE_IN, actor=manager, on=lease.start)
    offered_request = make_request(tenant, preferred_carriers=[carrier])
    offer = offer_make(request=offered_request, unit=offered, actor=manager)
    return {
        "lease": lease,
        "unit": leased,
        "request": offered_request,
        "offer": offer,
        "queued": make_request(tenant, preferred_carriers=[carrier], move_in_on=today() + days(40)),
    }


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # report files


def _report_on(carrier: Carrier, by: User) -> ReportJob:
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.CARRIER_PDF,
        params={"on": today().isoformat(), "lang": "zh-hans", "carrier": carrier.pk},
        dedupe_key=f"matrix-{carrier.pk}",
        status=ReportJob.Status.DONE,
        carrier_ids=[carrier.pk],
        requested_by=by,
        filename=f"{carrier.code}.pdf",
    )
    job.file.save(f"{uuid.uuid4().hex}/{carrier.code}.pdf", ContentFile(b"%PDF-1.4 matrix"))
    return job


@pytest.fixture
def world() -> World:
    # No passwords: the matrix logs in with force_login, and hashing is slow.
    x = make_carrier(code="ycl2", name="阳澄湖两岸科创中心研发总部二期")
    y = make_carrier(code="jccx", name="国家高新区集成创新中心")
    a = make_tenant(name="昆山甲子智能科技有限公司")
    b = make_tenant(name="昆山乙丑生物医药有限公司")
    manager_x = make_manager(x, username="manager_x")
    manager_y = make_manager(y, username="manager_y")
    side_a = _company_side(x, a, manager_x, "X")
    side_b = _company_side(y, b, manager_y, "Y")
    c = make_tenant(name="昆山丙辰半导体有限公司")
    req_c = make_request(c)
    offer_c = offer_make(
        request=req_c,
        unit=make_unit(y, code="Y-301"),
        actor=manager_y,
        contracted_rent=Decimal("66.60"),
    )
    newcomer = make_user("newcomer")
    newcomer.groups.add(Group.objects.get_or_create(name=TENANT_GROUP)[0])
    users: dict[str, User | AnonymousUser] = {
        "anonymous": AnonymousUser(),
        "newcomer": newcomer,
        "tenant_a": make_tenant_user(a, "tenant_a"),
        "tenant_b": make_tenant_user(b, "tenant_b"),
        "manager_x": manager_x,
        "manager_y": manager_y,
        "leader": make_leadership("leader"),
        "admin": make_user("admin", is_superuser=True, is_staff=True),
    }
    assert set(users) == set(ROLES)
    return World(
        x=x,
        y=y,
        a=a,
        b=b,
        req_a=side_a["request"],
        queued_a=side_a["queued"],
        offer_a=side_a["offer"],
        lease_a=side_a["lease"],
        unit_a=side_a["unit"],
        free_x=make_unit(x, code="X-301"),
        req_b=side_b["request"],
        queued_b=side_b["queued"],
        offer_b=side_b["offer"],
        lease_b=side_b["lease"],
        c=c,
        req_c=req_c,
        offer_c=offer_c,
        users=users,
        job_x=_report_on(x, manager_x),
        **_pictures(x, side_a["unit"], manager_x),
        import_x=_import_by(manager_x),
    )


# A company, in a CSV of its own: what the kept upload of X's manager imports.
IMPORT_TENANT_CSV = (
    f"统一社会信用代码,企业名称\n{make_uscc('91320583MA9KPRTX2')},昆山戊辰导入科技有限公司\n"
).encode()
# A unit of X (on the floor make_unit put X's units on): what the upload POST checks.
IMPORT_UNIT_CSV = (
    "载体编码,楼栋编码,楼层,单元编码,建筑面积,套内面积,投用日期\nycl2,A,1,X-901,100,80,2024-01-01\n"
).encode()


def _import_by(manager: User) -> str:
    sources = [Source("tenants.csv", IMPORT_TENANT_CSV)]
    report = import_space(sources, scope=scope_for(manager), dry_run=True)
    assert not report.refused, report.error_lines()
    return save_pending(sources, user=manager, report=report)


def _pictures(carrier: Carrier, unit: Unit, manager: User) -> dict[str, Any]:
    def png() -> SimpleUploadedFile:
        return SimpleUploadedFile("p.png", image_bytes("PNG", (32, 24)), "image/png")

    return {
        "plan_x": store_floor_plan(floor=unit.floor, upload=png(), user=manager),
        "photo_a": store_unit_photo(unit=unit, upload=png(), user=manager, caption="前台"),
        "cover_x": store_carrier_cover(carrier=carrier, upload=png(), user=manager),
    }


# --- where each URL points: A's and X's objects -------------------------------------------

# kwargs of each URL, and a query string where the object is chosen there.
TARGETS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "portal:request": lambda w: {"pk": w.req_a.pk},
    "portal:request_withdraw": lambda w: {"pk": w.req_a.pk},
    "portal:offer_accept": lambda w: {"pk": w.offer_a.pk},
    "portal:offer_decline": lambda w: {"pk": w.offer_a.pk},
    "portal:lease": lambda w: {"pk": w.lease_a.pk},
    "workspace:request": lambda w: {"request_id": w.req_a.pk},
    "workspace:request_offer": lambda w: {"request_id": w.queued_a.pk},
    "workspace:request_close": lambda w: {"request_id": w.queued_a.pk},
    "workspace:request_candidates": lambda w: {"request_id": w.req_a.pk},
    "workspace:offer_withdraw": lambda w: {"offer_id": w.offer_a.pk},
    "workspace:lease": lambda w: {"lease_id": w.lease_a.pk},
    "workspace:handover": lambda w: {"lease_id": w.lease_a.pk, "kind": Handover.Kind.MOVE_OUT},
    "workspace:lease_renew": lambda w: {"lease_id": w.lease_a.pk},
    "workspace:lease_terminate": lambda w: {"lease_id": w.lease_a.pk},
    "workspace:unit": lambda w: {"unit_id": w.unit_a.pk},
    "workspace:tenant": lambda w: {"tenant_id": w.a.pk},
    "workspace:vacancy": lambda w: {"code": w.x.code},
    "workspace:floor_plan": lambda w: {"floor_id": w.unit_a.floor.pk},
    "workspace:carrier_cover": lambda w: {"code": w.x.code},
    "workspace:unit_photo_add": lambda w: {"unit_id": w.unit_a.pk},
    "workspace:unit_photo_edit": lambda w: {"photo_id": w.photo_a.pk},
    "workspace:unit_photo_delete": lambda w: {"photo_id": w.photo_a.pk},
    "workspace:import_preview": lambda w: {"token": _import_token(w)},
    "workspace:import_apply": lambda w: {"token": _import_token(w)},
    "files:plan": lambda w: {"pk": w.plan_x.pk, "size": "small"},
    "files:photo": lambda w: {"pk": w.photo_a.pk, "size": "small"},
    "files:cover": lambda w: {"pk": w.cover_x.pk, "size": "small"},
    "workspace:floor_map": lambda w: {"floor_id": w.unit_a.floor.pk},
    "dashboard:carrier": lambda w: {"code": w.x.code},
    "reports:job": lambda w: {"job_id": _job_id(w)},
    "reports:job_status": lambda w: {"job_id": _job_id(w)},
    "reports:job_download": lambda w: {"job_id": _job_id(w)},
    "reports:carrier_pdf": lambda w: {"code": w.x.code},
    "reports:carrier_xlsx": lambda w: {"code": w.x.code},
    "reports:carrier_csv": lambda w: {"code": w.x.code},
    "dashboard:building": lambda w: {"code": w.x.code, "building_id": w.unit_a.floor.building.pk},
    "dashboard:floor": lambda w: {"code": w.x.code, "floor_id": w.unit_a.floor.pk},
    "dashboard:grid": lambda w: {"code": w.x.code},
    "dashboard:grid_building": lambda w: {
        "code": w.x.code,
        "building_id": w.unit_a.floor.building.pk,
    },
}
QUERIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    # The portal's pages for a company are chosen by ?company=<id>.
    "portal:home": lambda w: {"company": w.a.pk},
    "portal:request_new": lambda w: {"company": w.a.pk},
    # The occupancy API names its scope in the query string.
    "dashboard:api_occupancy": lambda w: {"scope": f"carrier:{w.x.code}"},
}


def _job_id(w: Any) -> uuid.UUID:
    # Job ids are UUIDs: Nothing's number as one, for a job that exists nowhere.
    return w.job_x.pk if isinstance(w, World) else uuid.UUID(int=Nothing.pk)


class Nothing:
    """Stands in for every object of the world with ids that exist nowhere."""

    pk = 987_654_321
    code = "no-such-carrier"

    def __getattr__(self, name: str) -> Nothing:
        return self


def _import_token(w: Any) -> str:
    # A token of the right form that was never handed out, for Nothing.
    return w.import_x if isinstance(w, World) else "n" * 32


def url_for(name: str, w: Any) -> str:
    target = TARGETS.get(name)
    path = reverse(name, kwargs=target(w) if target else None)
    query = QUERIES.get(name)
    return f"{path}?{urlencode(query(w))}" if query else path


def post_data(name: str, w: World) -> dict[str, str]:
    """Valid data for each write endpoint: what the owner of the object would send."""
    start = today() + days(40)
    if name == "workspace:import":
        return {"files": SimpleUploadedFile("units.csv", IMPORT_UNIT_CSV)}
    if name == "portal:register":
        return {
            "username": "newco_boss",
            "email": "boss@newco.example.cn",
            "password1": "a-long-enough-passphrase-2026",
            "password2": "a-long-enough-passphrase-2026",
            **company_data(),
        }
    if name == "portal:company_register":
        return company_data()
    if name == "portal:request_new":
        return {
            "token": str(uuid.uuid4()),
            "area_min": "150",
            "area_max": "250",
            "unit_kind": Unit.Kind.OFFICE,
            "seats": "12",
            "move_in_on": start.isoformat(),
            "term_months": "12",
            "fit_out": SpaceRequest.FitOut.TURNKEY,
            "preferred_carriers": str(w.x.pk),
        }
    if name == "portal:offer_decline":
        return {"note": "面积偏小"}
    if name == "workspace:request_offer":
        expires = timezone.localtime(timezone.now() + dt.timedelta(days=3))
        return {
            "carrier": w.x.code,
            "unit": w.free_x.code,
            "start": start.isoformat(),
            "end": add_months(start, 12).isoformat(),
            "hold_expires_at": expires.strftime("%Y-%m-%dT%H:%M"),
            "contracted_rent": "",
            "rent_free_months": "0",
            "deposit": "0",
            "note": "",
        }
    if name == "workspace:request_close":
        return {"close-note": "暂无合适房源"}
    if name == "workspace:offer_withdraw":
        return {"note": "单元另作他用"}
    if name == "workspace:handover":
        return {
            "move_out-on": today().isoformat(),
            "move_out-keys": "2",
            "move_out-access_cards": "4",
            "move_out-furniture": "",
            "move_out-electricity_kwh": "1234.5",
            "move_out-water_m3": "56.0",
            "move_out-notes": "",
        }
    if name == "workspace:lease_renew":
        return {"renew-new_end": add_months(w.lease_a.end, 12).isoformat()}
    if name == "workspace:lease_terminate":
        return {"terminate-on": (today() + days(30)).isoformat(), "terminate-note": "企业迁出"}
    if name == "reports:build":
        return {"kind": "district_pdf", "on": today().isoformat()}
    if name in ("workspace:floor_plan", "workspace:carrier_cover", "workspace:unit_photo_add"):
        # A fresh file each time: the test client reads it to its end.
        image = SimpleUploadedFile("new.png", image_bytes("PNG", (40, 30)), "image/png")
        return {"image": image, "caption": "会议室"}  # type: ignore[dict-item]
    if name == "workspace:unit_photo_edit":
        return {"caption": "大会议室", "position": "3"}
    if name == "workspace:floor_map":
        shape = {"kind": "rect", "points": [[0.1, 0.1], [0.4, 0.3]]}
        return {"shapes": json.dumps({str(w.unit_a.pk): shape})}
    return {}  # request_withdraw, offer_accept: the button is the whole form


def company_data() -> dict[str, str]:
    return {
        "name": "昆山丁卯新材料有限公司",
        "uscc": make_uscc("91320583MA9MATRX1"),
        "industry": "mixed",
        "contact_name": "王五",
        "contact_phone": "0512-55551234",
        "contact_email": "office@newco.example.cn",
        "employees": "8",
        "rd_staff": "3",
    }


# --- asking -----------------------------------------------------------------------------


def client_for(world: World, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user.is_authenticated:
        client.force_login(user)
    return client


def db_state() -> dict[str, list[Any]]:
    """Everything a request could change, to compare before and after a POST."""
    return {
        "users": sorted(User.objects.values_list("pk", flat=True)),
        "tenants": sorted(Tenant.objects.values_list("pk", "name", "uscc")),
        "members": sorted(Tenant.users.through.objects.values_list("tenant_id", "user_id")),
        "requests": sorted(SpaceRequest.objects.values_list("pk", "status")),
        "allocations": sorted(
            Allocation.objects.values_list("pk", "state", "start", "end", "hold_expires_at")
        ),
        "handovers": sorted(Handover.objects.values_list("pk", "allocation_id", "kind")),
        "events": sorted(Event.objects.values_list("pk", flat=True)),
        "report_jobs": sorted(ReportJob.objects.values_list("pk", "status")),
        "pictures": [
            sorted(model.objects.values_list("pk", flat=True))
            for model in (FloorPlan, UnitPhoto, CarrierCover)
        ],
        "photo_captions": sorted(UnitPhoto.objects.values_list("pk", "caption", "position")),
        "shapes": sorted(
            (pk, json.dumps(shape, sort_keys=True))
            for pk, shape in Unit.objects.values_list("pk", "shape")
        ),
    }


def assert_answer(response: HttpResponse, expected: Expect, name: str, context: str) -> None:
    assert response.status_code == expected.status, (
        f"{context}: expected {expected}, got {response.status_code}"
    )
    if expected.status == 302:
        target = resolve(urlsplit(response["Location"]).path).view_name
        wanted = AFTER_WRITE[name] if expected.writes else expected.to
        assert target == wanted, f"{context}: redirected to {target}, expected {wanted}"
    if expected == NOGET:
        assert response["Allow"] == "POST", context
    # Every answer, files and refusals included, carries the whole policy.
    assert response.get("Content-Security-Policy") == build_policy(), context


def assert_no_foreign_names(response: HttpResponse, world: World, role: str, context: str) -> None:
    if response.streaming or response["Content-Type"].startswith(
        ("application/pdf", "application/vnd.openxmlformats")
    ):
        return  # a file download: its scope is the URL's, checked by the status above
    body = response.content.decode()
    for key in FOREIGN[role]:
        company = getattr(world, key)
        assert company.name not in body, f"{context}: shows {company.name} to {role}"
        assert company.uscc not in body, f"{context}: shows {company.uscc} to {role}"


# --- the matrix -------------------------------------------------------------------------


def _discovered_names() -> set[str]:
    """Every named URL of the apps, walked from the root URLconf."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, inner, route)
            elif isinstance(pattern, URLPattern):
                if not pattern.name:
                    names.add(f"<unnamed: /{route}>")
                else:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", "")
    return names


def test_it_lists_every_url_of_the_apps() -> None:
    """A new view fails here until someone decides, in GET (and POST if it writes),
    who may see it."""
    discovered = _discovered_names()
    assert {name.split(":")[0] for name in discovered if ":" in name} == APP_NAMESPACES
    assert discovered == set(GET), (
        f"not in the matrix: {sorted(discovered - set(GET))}; "
        f"in the matrix but gone: {sorted(set(GET) - discovered)}"
    )
    assert set(POST) <= set(GET)
    assert set(AFTER_WRITE) == {name for name, row in POST.items() if WRITE in row}
    assert all(len(row) == len(ROLES) for row in (*GET.values(), *POST.values()))


def test_it_lists_every_post_only_view_as_a_write() -> None:
    post_only = {name for name, row in GET.items() if NOGET in row}
    assert post_only <= set(POST)


GET_CASES = [
    pytest.param(name, role, expected, id=f"GET-{name}-{role}")
    for name, row in GET.items()
    for role, expected in zip(ROLES, row, strict=True)
]
POST_CASES = [
    pytest.param(name, role, expected, id=f"POST-{name}-{role}")
    for name, row in POST.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.parametrize(("name", "role", "expected"), GET_CASES)
def test_it_answers_each_role_a_get_as_the_matrix_says(
    world: World, name: str, role: str, expected: Expect
) -> None:
    url = url_for(name, world)
    before = db_state()

    response = client_for(world, role).get(url)

    context = f"GET {url} as {role}"
    assert_answer(response, expected, name, context)
    assert_no_foreign_names(response, world, role, context)
    assert db_state() == before, f"{context} changed the database"


@pytest.mark.parametrize(("name", "role", "expected"), POST_CASES)
def test_it_answers_each_role_a_post_as_the_matrix_says(
    world: World, name: str, role: str, expected: Expect
) -> None:
    url = url_for(name, world)
    before = db_state()

    response = client_for(world, role).post(url, post_data(name, world))

    context = f"POST {url} as {role}"
    assert_answer(response, expected, name, context)
    assert_no_foreign_names(response, world, role, context)
    if expected.writes:
        assert db_state() != before, f"{context} was let through but changed nothing"
    else:
        assert db_state() == before, f"{context} was refused but changed the database"


READ_ONLY = [name for name in GET if name not in POST]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", READ_ONLY)
def test_it_changes_nothing_on_a_post_to_a_page_that_only_reads(
    world: World, name: str, role: str
) -> None:
    """Pages that only read answer a POST as a GET (or with 405), and write nothing."""
    url = url_for(name, world)
    before = db_state()

    response = client_for(world, role).post(url, {"note": "x"})

    expected = GET[name][ROLES.index(role)]
    assert response.status_code in {expected.status, 405}, f"POST {url} as {role}"
    assert db_state() == before


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("name", sorted(set(TARGETS) | set(QUERIES)))
def test_it_answers_outsiders_as_if_nothing_were_there(world: World, name: str, role: str) -> None:
    """An outsider learns nothing from asking: A's object and an id that exists
    nowhere get the same answer, GET and POST alike."""
    client = client_for(world, role)
    real, missing = url_for(name, world), url_for(name, Nothing())
    methods = ("get", "post") if name in POST else ("get",)
    for method in methods:
        data = post_data(name, world) if method == "post" else None
        there = getattr(client, method)(real, data)
        absent = getattr(client, method)(missing, data)
        assert there.status_code == absent.status_code, f"{method.upper()} {name} as {role}"
        if there.status_code != 302:
            assert unmasked(there.content) == unmasked(absent.content), (
                f"{method.upper()} {name} as {role}"
            )


# --- what each side reads ---------------------------------------------------------------


def test_it_never_shows_a_tenant_the_other_companys_name(world: World) -> None:
    sides = (
        ("tenant_a", world.a, world.req_a, world.lease_a, (world.b, world.c)),
        ("tenant_b", world.b, world.req_b, world.lease_b, (world.a, world.c)),
    )
    for role, own, request, lease, others in sides:
        client = client_for(world, role)
        pages = (
            reverse("portal:home"),
            reverse("portal:request_new"),
            reverse("portal:request", args=[request.pk]),
            reverse("portal:lease", args=[lease.pk]),
        )
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, f"{page} as {role}"
            body = response.content.decode()
            assert own.name in body, f"{page} as {role}"  # the control: the page names names
            for other in others:
                assert other.name not in body, f"{page} as {role}"


def test_it_shows_each_manager_only_their_carriers_queue(world: World) -> None:
    def queue(role: str, query: str = "") -> str:
        response = client_for(world, role).get(reverse("workspace:queue") + query)
        assert response.status_code == 200
        return response.content.decode()

    def links(*requests: SpaceRequest) -> list[str]:
        return [f'href="{reverse("workspace:request", args=[r.pk])}"' for r in requests]

    for role, own, other in (
        ("manager_x", (world.req_a, world.queued_a), (world.req_b, world.queued_b)),
        ("manager_y", (world.req_b, world.queued_b), (world.req_a, world.queued_a)),
    ):
        own_tenant, other_tenant = own[0].tenant, other[0].tenant
        # Also when asking the filter for the other carrier by its code: an
        # invalid choice, not a way round the scope.
        for query in ("", f"?carrier={world.x.code}", f"?carrier={world.y.code}"):
            body = queue(role, query)
            assert other_tenant.name not in body, f"{role} {query}"
            assert not any(link in body for link in links(*other)), f"{role} {query}"
        body = queue(role)
        assert own_tenant.name in body
        assert all(link in body for link in links(*own))
    body = queue("leader")
    assert all(link in body for link in links(world.req_a, world.req_b))


def test_it_answers_candidates_as_json_only_within_scope(world: World) -> None:
    url = reverse("workspace:request_candidates", args=[world.queued_a.pk])

    response = client_for(world, "manager_x").get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    payload = json.loads(response.content)
    assert payload["request"] == world.queued_a.pk
    assert payload["candidates"], "the control: X has a free unit for A"
    assert {c["carrier_code"] for c in payload["candidates"]} == {world.x.code}
    for role in ("manager_y", "tenant_a", "tenant_b", "newcomer"):
        refused = client_for(world, role).get(url)
        assert refused.status_code == 404, role
        assert refused["Content-Type"].startswith("text/html"), role
    assert client_for(world, "anonymous").get(url).status_code == 302


def test_it_shows_a_handover_only_to_the_leases_own_side(world: World) -> None:
    card = 'class="card handover"'
    for role, lease, shown in (
        ("tenant_a", world.lease_a, True),
        ("tenant_a", world.lease_b, False),
        ("tenant_b", world.lease_b, True),
        ("tenant_b", world.lease_a, False),
    ):
        response = client_for(world, role).get(reverse("portal:lease", args=[lease.pk]))
        assert response.status_code == (200 if shown else 404), role
        assert (card in response.content.decode()) is shown, role
    for role, lease, shown in (
        ("manager_x", world.lease_a, True),
        ("manager_x", world.lease_b, False),
        ("manager_y", world.lease_b, True),
        ("manager_y", world.lease_a, False),
    ):
        response = client_for(world, role).get(reverse("workspace:lease", args=[lease.pk]))
        assert response.status_code == (200 if shown else 404), role


def test_it_shows_a_manager_another_carriers_offer_only_by_its_expiry(world: World) -> None:
    """C asks any carrier, so its request is in both queues; Y's offer on it is
    Y's business. X's manager sees that it is held and until when (so that no
    offer can be made meanwhile), not Y's unit or the rent Y offered."""
    offered = world.offer_c.unit
    expires = timezone.localtime(world.offer_c.hold_expires_at)
    request_page = reverse("workspace:request", args=[world.req_c.pk])
    for role, sees in (("manager_x", False), ("manager_y", True), ("leader", True)):
        client = client_for(world, role)
        for page in (request_page, reverse("workspace:queue")):
            response = client.get(page)
            assert response.status_code == 200
            body = response.content.decode()
            assert world.c.name in body, f"{page} as {role}"  # the control: C is there
            assert (offered.code in body) is sees, f"{page} as {role}"
            assert expires.strftime("%m-%d %H:%M") in body, f"{page} as {role}"
        body = client.get(request_page).content.decode()
        assert ("66.60" in body) is sees, role
        assert (world.y.name in body) is sees, role
        assert (reverse("workspace:lease", args=[world.offer_c.pk]) in body) is sees, role
