"""Logging in, in Chinese by default, in a real browser."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tests.factories import make_carrier

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_logs_a_leader_in_and_shows_the_overview_in_chinese(page, django_user_model) -> None:
    carrier = make_carrier(name="国家高新区集成创新中心", code="jccx")
    leader = django_user_model.objects.create_user("leader", password="pw-leader-2026")
    leader.groups.add(Group.objects.get_or_create(name="leadership")[0])

    page.goto(f"{page.base_url}/")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", "pw-leader-2026")
    page.click("form.card button[type=submit]")

    page.wait_for_url(f"{page.base_url}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert carrier.name in page.content()
    assert "载体" in page.title()


def test_it_refuses_a_wrong_password_with_a_message(page, django_user_model) -> None:
    django_user_model.objects.create_user("leader", password="pw-leader-2026")

    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", "wrong-password")
    page.click("form.card button[type=submit]")

    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist").count() == 1
