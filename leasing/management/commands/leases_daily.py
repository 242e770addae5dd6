"""manage.py leases_daily: the daily lease jobs (run once a day, e.g. just after midnight).

1. Active leases whose end has passed become ended (each change recorded).
2. Leases entering their last 90 days get one email to the tenant and the
   carrier's managers; the date it went out is stored on the lease.

Idempotent: a second run on the same day finds nothing left to close and no
lease without its notice, so it changes and sends nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from leasing.leases import ENDING_NOTICE_DAYS, leases_close, leases_notify_ending


class Command(BaseCommand):
    help = _(
        "Close leases whose end has passed and email, once, about leases ending within "
        "90 days. Run daily; running it twice sends nothing twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        closed = leases_close()
        self.stdout.write(_("Ended %(n)d leases whose end date has passed.") % {"n": closed})
        notified = leases_notify_ending()
        self.stdout.write(
            _("Sent %(n)d notices of leases ending within %(days)d days.")
            % {"n": notified, "days": ENDING_NOTICE_DAYS}
        )
