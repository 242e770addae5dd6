"""manage.py report_worker [--burst]: build queued reports (RQ, queue "reports"), then
warm the dashboard after changes (queue "warm", reports/warm.py).

A Django-aware `rq worker`: settings and the ORM are set up before the first
job. Run one or more on any host that reaches the database, Redis and the
media storage (`make worker`). Without REDIS_URL there is no queue: reports
are built inline, in the request.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rq import Worker

from reports import warm
from reports.jobs import QUEUE, redis_connection


class Command(BaseCommand):
    help = _("Build queued reports (district PDF, large exports) from the Redis queue.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--burst",
            action="store_true",
            help=_("Stop when the queue is empty instead of waiting for more."),
        )

    def handle(self, *args: Any, burst: bool, **options: Any) -> None:
        if not settings.REDIS_URL:
            raise CommandError(
                _("REDIS_URL is not set: there is no queue, reports are built inline.")
            )
        connection = redis_connection()
        # Long-running: no socket timeout on the blocking dequeue.
        connection.connection_pool.connection_kwargs["socket_timeout"] = None
        # In this order: reports people wait for first, dashboard warming when idle.
        worker = Worker([QUEUE, warm.QUEUE], connection=connection)
        self.stdout.write(
            _("Report worker listening on queues “%(queue)s”.")
            % {"queue": f"{QUEUE}, {warm.QUEUE}"}
        )
        # The scheduler moves delayed jobs (dashboard warming) onto their queue when due.
        worker.work(burst=burst, with_scheduler=True)
