"""Password validators are on: weak passwords are refused on sign-up and on
password change, with Django's own Chinese messages (the default language)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from leasing.models import Tenant
from tests.leasing.test_portal import signup_data

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-2026"


def test_it_has_every_stock_validator_on() -> None:
    # config.passwords.MinimumLengthValidator is Django's with a Chinese message.
    names = {v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password123", "这个密码太常见了。"),
        ("48151623429", "密码只包含数字。"),
        ("k3-9x", "密码长度太短。密码必须包含至少 8 个字符。"),
    ],
)
def test_it_refuses_a_weak_password_at_sign_up_in_chinese(
    client: Client, password: str, message: str
) -> None:
    response = client.post(
        reverse("portal:register"), signup_data(password1=password, password2=password)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not Tenant.objects.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("qwertyuiop", "这个密码太常见了。"),
        ("20260630123", "密码只包含数字。"),
        ("wangxiaoming-2026", "密码跟 用户名 太相似了。"),
    ],
)
def test_it_refuses_a_weak_new_password_on_password_change_in_chinese(
    client: Client, password: str, message: str
) -> None:
    user = User.objects.create_user("wangxiaoming", password=PASSWORD)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # unchanged
