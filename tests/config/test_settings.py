"""Settings read from the environment, checked in fresh processes."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    for name in (
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        clean.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_reports_nothing_on_check_deploy_in_production() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="zaiti.example.cn",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


PRODUCTION_PROBE = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_HSTS_PRELOAD": s.SECURE_HSTS_PRELOAD,
    "SECURE_CONTENT_TYPE_NOSNIFF": s.SECURE_CONTENT_TYPE_NOSNIFF,
    "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "backend": s.AUTHENTICATION_BACKENDS[0],
    "axes": "axes" in s.INSTALLED_APPS and s.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware",
    "validators": len(s.AUTH_PASSWORD_VALIDATORS),
}))
"""


def test_it_turns_every_transport_protection_on_in_production() -> None:
    result = manage(
        "shell",
        "--no-imports",
        "-v",
        "0",
        "-c",
        PRODUCTION_PROBE,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="zaiti.example.cn",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "backend": "config.login_throttle.LoginThrottleBackend",
        "axes": True,
        "validators": 4,
    }


LOGIN_PROBE = """
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
User.objects.create_user("probe", password="a-long-probe-passphrase-2026")
client = Client(HTTP_HOST="zaiti.example.cn")
plain = client.get("/accounts/login/")
print(plain.status_code, plain["Location"])
r = client.post(
    "/accounts/login/",
    {"username": "probe", "password": "a-long-probe-passphrase-2026"},
    secure=True,
)
print(r.status_code, r["Strict-Transport-Security"])
for name in ("sessionid", "csrftoken"):
    cookie = r.cookies[name]
    print(name, bool(cookie["secure"]), bool(cookie["httponly"]))
"""


def test_it_sends_hsts_and_secure_cookies_from_a_production_login(tmp_path: Path) -> None:
    """A real login in the production configuration (against its own SQLite file)."""
    result = manage(
        "shell",
        "--no-imports",
        "-v",
        "0",
        "-c",
        LOGIN_PROBE,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="zaiti.example.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "301 https://zaiti.example.cn/accounts/login/",  # plain HTTP goes to HTTPS
        "302 max-age=31536000; includeSubDomains; preload",
        "sessionid True True",
        "csrftoken True False",  # HttpOnly off is Django's default; Secure is what --deploy asks
    ]


def test_it_refuses_to_start_in_production_without_a_secret_key() -> None:
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="zaiti.example.cn")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_a_weak_secret_key_in_production() -> None:
    result = manage("check", DEBUG="0", SECRET_KEY="changeme", ALLOWED_HOSTS="x.example.cn")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_it_uses_wal_and_immediate_transactions_on_the_default_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "zaiti.sqlite3"
    code = (
        "from django.db import connection, transaction\n"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
        "print(connection.transaction_mode)\n"
        "c.execute('PRAGMA busy_timeout'); print(c.fetchone()[0])\n"
    )
    result = manage("shell", "--no-imports", "-v", "0", "-c", code, DATABASE_URL=f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE", "20000"]


def test_it_keeps_sessions_out_of_the_cache() -> None:
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_it_defaults_to_simplified_chinese() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


@pytest.mark.django_db
def test_it_has_no_missing_migrations() -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
