"""Settings read from the environment, checked in fresh processes."""

from __future__ import annotations

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
