"""Failed logins and refused requests are logged, and no password ever is.

"zaiti.security" gets one line per failed login (username and address), per
lockout, per 403 (user id, method, path) and per lookup of an object outside
the asker's scope. Every logger is captured at DEBUG here, axes' own included,
so a password in any record of any library would show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import Group, User
from django.test import Client

from leasing.models import Allocation
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import days, make_lease, make_request, make_tenant_user, today

pytestmark = pytest.mark.django_db

# Distinctive, so a leak is found wherever it lands.
SECRET = "Zh1-mima-7f3c9e-秘密"
RIGHT = "right-passphrase-2026-xyz"


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every record of every logger at DEBUG, axes' (set to ERROR) included."""
    saved = {name: logging.getLogger(name).level for name in ("axes", "zaiti", "django")}
    for name in saved:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def security_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "zaiti.security"]


def assert_secret_nowhere(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "nothing was logged at all: the check would prove nothing"
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.__dict__!r}"
        assert SECRET not in text, f"password leaked in {record.name}: {record.getMessage()}"
        assert RIGHT not in text, f"password leaked in {record.name}: {record.getMessage()}"


def login(client: Client, password: str, *, path: str = "/accounts/login/", **extra: str):
    return client.post(
        path,
        {"username": "wang", "password": password, "csrfmiddlewaretoken": "tok-3b1f"},
        REMOTE_ADDR="203.0.113.7",
        **extra,
    )


# --- logins --------------------------------------------------------------------------------


def test_it_logs_a_failed_login_with_username_and_address(client: Client, everything) -> None:
    User.objects.create_user("wang", password=RIGHT)
    assert login(client, SECRET).status_code == 200
    assert security_lines(everything) == [
        "login failed: username='wang' ip=203.0.113.7 path=/accounts/login/"
    ]
    assert_secret_nowhere(everything)


def test_it_never_logs_or_stores_a_password_through_a_lockout(client: Client, everything) -> None:
    User.objects.create_superuser("wang", "wang@example.cn", RIGHT)
    for _ in range(5):
        login(client, SECRET)
    assert login(client, RIGHT).status_code == 429  # locked out: the right one, refused
    lines = security_lines(everything)
    assert lines.count("login failed: username='wang' ip=203.0.113.7 path=/accounts/login/") == 5
    assert "login locked out for 15 minutes: username='wang' ip=203.0.113.7" in lines
    assert lines[-1].endswith("(locked out)")
    # axes' records are in the capture too, and clean.
    assert any(r.name.startswith("axes") for r in everything.records)
    assert_secret_nowhere(everything)
    # Nor in what axes keeps in the database (the form data of each attempt).
    for attempt in AccessAttempt.objects.all():
        stored = f"{attempt.get_data} {attempt.post_data} {attempt.username} {attempt.path_info}"
        assert SECRET not in stored and RIGHT not in stored
        assert "tok-3b1f" not in stored  # the CSRF token is masked too


def test_it_logs_a_failed_admin_login_and_a_success_without_the_password(
    client: Client, everything
) -> None:
    User.objects.create_superuser("wang", "wang@example.cn", RIGHT)
    assert login(client, SECRET, path="/admin/login/").status_code == 200
    assert login(client, RIGHT, path="/admin/login/").status_code == 302
    assert security_lines(everything) == [
        "login failed: username='wang' ip=203.0.113.7 path=/admin/login/"
    ]
    assert AccessLog.objects.filter(username="wang").exists()  # axes saw the success
    assert_secret_nowhere(everything)


def test_it_logs_a_password_change_without_either_password(client: Client, everything) -> None:
    user = User.objects.create_user("wang", password=RIGHT)
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": SECRET, "new_password1": RIGHT + "2", "new_password2": RIGHT + "2"},
    )
    assert response.status_code == 200  # wrong old password: the form again
    assert_secret_nowhere(everything)


# --- refusals --------------------------------------------------------------------------------


@pytest.fixture
def lease_of_x() -> Allocation:
    carrier = make_carrier(code="ycl2")
    return make_lease(make_unit(carrier, code="A-301"), today() - days(30), today() + days(300))


def test_it_logs_a_403_with_user_method_and_path(
    client: Client, everything, lease_of_x: Allocation
) -> None:
    leader = User.objects.create_user("leader")
    leader.groups.add(Group.objects.get_or_create(name="leadership")[0])
    client.force_login(leader)
    path = f"/work/leases/{lease_of_x.pk}/terminate/"
    response = client.post(path, {"terminate-on": today().isoformat(), "terminate-note": SECRET})
    assert response.status_code == 403
    assert security_lines(everything) == [f"permission denied: user={leader.pk} POST {path}"]
    assert_secret_nowhere(everything)  # the form's contents are never logged


def test_it_logs_a_csrf_refusal(everything) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "wang", "password": SECRET})
    assert response.status_code == 403
    assert security_lines(everything) == ["permission denied: user=None POST /accounts/login/"]
    assert_secret_nowhere(everything)


def test_it_logs_a_lookup_outside_the_scope_but_not_an_absent_one(
    client: Client, everything
) -> None:
    mine, theirs = make_tenant(name="甲公司"), make_tenant(name="乙公司")
    user = make_tenant_user(mine)
    other_request = make_request(theirs)
    client.force_login(user)

    assert client.get(f"/portal/requests/{other_request.pk}/").status_code == 404
    assert client.get("/portal/requests/987654/").status_code == 404

    assert security_lines(everything) == [
        f"out of scope: user={user.pk} GET /portal/requests/{other_request.pk}/ "
        "leasing.spacerequest"
    ]


def test_it_logs_a_manager_reaching_for_another_carriers_lease(
    client: Client, everything, lease_of_x: Allocation
) -> None:
    other = make_carrier(code="jccx")
    manager = User.objects.create_user("mgr-y")
    other.managers.add(manager)
    client.force_login(manager)
    path = f"/work/leases/{lease_of_x.pk}/"
    assert client.get(path).status_code == 404
    assert security_lines(everything) == [
        f"out of scope: user={manager.pk} GET {path} leasing.allocation"
    ]
