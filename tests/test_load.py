"""The load run's short variant: bench/load.py with 10 people for 15 s.

The same harness as `make load` (gunicorn with several workers, PostgreSQL,
Redis, a report worker, locust on loopback), on a small demo zone, in a
database of its own that it creates and drops (named after the suite's
database, so parallel runs never meet). It asserts what must hold under
concurrent use (no server error, no other error, no overlapping allocations,
no request with two live allocations), never how fast: timing belongs in
bench/RESULTS.md.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# Far above the ~35 s the run takes; only a hung process ever reaches it.
HARD_LIMIT = 180

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _load_database_url() -> str:
    db = settings.DATABASES["default"]
    name = f"{db['NAME'].removeprefix('test_')}_load_{secrets.token_hex(3)}"[-63:]
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}{port}/{name}"


def test_it_serves_ten_people_without_an_error_or_an_overlap(tmp_path: Path) -> None:
    summary_file = tmp_path / "load.json"
    options = {
        "--database-url": _load_database_url(),
        "--redis-url": settings.REDIS_URL,
        "--users": "10",
        "--spawn-rate": "10",
        "--seconds": "15",
        "--scale": "0.1",
        "--workers": "2",
        "--json": str(summary_file),
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "load.py"), *(x for o in options.items() for x in o)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=HARD_LIMIT)
    except subprocess.TimeoutExpired:
        # SIGTERM lets the harness stop gunicorn and drop its database.
        process.terminate()
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"the load run did not end within {HARD_LIMIT} s:\n{output}")
    assert process.returncode == 0, output
    summary = json.loads(summary_file.read_text())
    assert summary["server errors"] == 0, output
    assert summary["other errors"] == 0, output
    assert summary["task errors"] == 0, output
    assert summary["overlaps"] == 0, output
    assert summary["requests with two live allocations"] == 0, output
    # The people did work (not a figure: on a slow machine fewer get further).
    assert summary["flows"].get("logins", 0) > 0, output
    assert summary["flows"].get("requests submitted", 0) > 0, output
