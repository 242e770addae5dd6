"""manage.py expire_holds: release offers (holds) past their expiry (periodic job).

Holds are also released lazily whenever a unit's availability is checked; this
job makes sure an unanswered offer goes back to the queue, and its tenant and
managers hear of it, on time even when nobody touches the unit. Idempotent:
a hold released once is cancelled and never released again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from leasing.offers import requests_reopen_lapsed
from leasing.services import release_expired_holds


class Command(BaseCommand):
    help = _(
        "Release offers whose hold has expired: the unit is free again, the request back "
        "in the queue, and the tenant and managers are emailed. Run every few minutes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        released = release_expired_holds(now)
        reopened = requests_reopen_lapsed(now)
        self.stdout.write(
            _("Released %(n)d expired holds; %(r)d requests back in the queue.")
            % {"n": len(released), "r": reopened}
        )
