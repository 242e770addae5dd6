"""Email about offers, acceptances, expired holds and leases coming to an end.

Sent after the transaction that caused them commits (transaction.on_commit),
in the site's default language (Simplified Chinese). A mail server failure is
logged, never turned into a failed allocation.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leasing.models import Allocation

log = logging.getLogger("zaiti.notify")


def _tenant_addresses(allocation: Allocation) -> set[str]:
    tenant = allocation.tenant
    addresses = {u.email for u in tenant.users.all() if u.email}
    if tenant.contact_email:
        addresses.add(tenant.contact_email)
    return addresses


def _manager_addresses(allocation: Allocation) -> set[str]:
    return {u.email for u in allocation.unit.carrier.managers.all() if u.email}


def _send(subject: str, body: str, to: Iterable[str]) -> int:
    recipients = sorted(set(to))
    if not recipients:
        return 0
    try:
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        log.exception("could not send %r to %d recipients", subject, len(recipients))
        return 0


def _load(allocation_id: int) -> Allocation:
    return Allocation.objects.select_related("unit__carrier", "tenant").get(pk=allocation_id)


def _facts(allocation: Allocation) -> dict[str, object]:
    return {
        "lease": allocation.pk,
        "unit": allocation.unit.code,
        "carrier": allocation.unit.carrier.name,
        "tenant": allocation.tenant.name,
        "period": allocation.period_label,
        "area": allocation.unit.gross_area,
        "rent": allocation.contracted_rent,
        "expires": (
            timezone.localtime(allocation.hold_expires_at).strftime("%Y-%m-%d %H:%M")
            if allocation.hold_expires_at
            else ""
        ),
        "last": (allocation.end - dt.timedelta(days=1)).isoformat() if allocation.end else "",
    }


def offer_made(allocation_id: int) -> int:
    allocation = _load(allocation_id)
    with translation.override(settings.LANGUAGE_CODE):
        facts = _facts(allocation)
        subject = _("Zaiti: an offer of unit %(unit)s at %(carrier)s") % facts
        body = (
            _(
                "%(carrier)s offers %(tenant)s unit %(unit)s (%(area)s m²) for %(period)s at "
                "%(rent)s CNY per m² per month. The offer is held for you until %(expires)s; "
                "accept or decline it in Zaiti before then."
            )
            % facts
        )
    return _send(subject, body, _tenant_addresses(allocation))


def offer_accepted(allocation_id: int) -> int:
    allocation = _load(allocation_id)
    with translation.override(settings.LANGUAGE_CODE):
        facts = _facts(allocation)
        subject = _("Zaiti: %(tenant)s accepted unit %(unit)s") % facts
        body = (
            _(
                "%(tenant)s accepted the offer of unit %(unit)s at %(carrier)s for %(period)s. "
                "Lease #%(lease)s is now active; plan the move-in handover."
            )
            % facts
        )
    return _send(subject, body, _manager_addresses(allocation) | _tenant_addresses(allocation))


def hold_expired(allocation_id: int) -> int:
    allocation = _load(allocation_id)
    with translation.override(settings.LANGUAGE_CODE):
        facts = _facts(allocation)
        subject = _("Zaiti: the offer of unit %(unit)s expired") % facts
        body = (
            _(
                "The offer of unit %(unit)s at %(carrier)s to %(tenant)s expired at %(expires)s "
                "without an answer. The unit is free again and the request is back in the queue."
            )
            % facts
        )
    return _send(subject, body, _manager_addresses(allocation) | _tenant_addresses(allocation))


def lease_ending(allocation_id: int) -> int:
    allocation = _load(allocation_id)
    with translation.override(settings.LANGUAGE_CODE):
        facts = _facts(allocation)
        subject = _("Zaiti: lease #%(lease)s of unit %(unit)s ends after %(last)s") % facts
        body = (
            _(
                "The last day of lease #%(lease)s of unit %(unit)s at %(carrier)s to %(tenant)s "
                "is %(last)s. Renew it or plan the move-out handover."
            )
            % facts
        )
    return _send(subject, body, _manager_addresses(allocation) | _tenant_addresses(allocation))
