"""Turning one spreadsheet cell into a typed value, or a message saying why not.

Cells come from openpyxl (numbers, dates and text already typed by Excel) or
from CSV (always text), so every parser accepts both. A parser returns the
value, None for an empty cell, or raises CellError with a message in the
user's language.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext as _

Parser = Callable[[object], object]


class CellError(ValueError):
    """A cell that cannot be read as what its column holds."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_length: int, *, slug: bool = False) -> Parser:
    def parse(value: object) -> str | None:
        if is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a code typed as a number: 101, not 101.0
        if isinstance(value, dt.datetime | dt.date):
            raise CellError(_("Expected text, found a date."))
        result = str(value).strip()
        if len(result) > max_length:
            raise CellError(
                _("At most %(n)d characters; this has %(len)d.")
                % {"n": max_length, "len": len(result)}
            )
        if slug and not re.fullmatch(r"[-a-zA-Z0-9_]+", result):
            raise CellError(
                _("Use only letters, digits, hyphens and underscores (no spaces or Chinese).")
            )
        return result

    return parse


def integer(*, minimum: int | None = None, maximum: int = 2_147_483_647) -> Parser:
    def parse(value: object) -> int | None:
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise CellError(_("Expected a whole number."))
        if isinstance(value, float):
            if not value.is_integer():
                raise CellError(_("Expected a whole number."))
            value = int(value)
        if not isinstance(value, int):
            try:
                value = int(str(value).strip().replace(",", ""))
            except ValueError as exc:
                raise CellError(_("Expected a whole number.")) from exc
        if minimum is not None and value < minimum:
            raise CellError(_("Must be at least %(n)d.") % {"n": minimum})
        if value > maximum:
            raise CellError(_("Must be at most %(n)d.") % {"n": maximum})
        return value

    return parse


def decimal(*, positive: bool = False, max_value: Decimal = Decimal("99999999.99")) -> Parser:
    """Amounts with two decimals (areas, money): the model's DecimalField(10, 2)."""

    def parse(value: object) -> Decimal | None:
        if is_blank(value):
            return None
        if isinstance(value, bool | dt.date):
            raise CellError(_("Expected a number."))
        raw = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "")
        try:
            number = Decimal(raw).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError) as exc:
            raise CellError(_("Expected a number.")) from exc
        if not number.is_finite():
            raise CellError(_("Expected a number."))
        if positive and number <= 0:
            raise CellError(_("Must be greater than zero."))
        if number < 0:
            raise CellError(_("Cannot be negative."))
        if number > max_value:
            raise CellError(_("Must be at most %(n)s.") % {"n": max_value})
        return number

    return parse


DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def date(value: object) -> dt.date | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value).strip()
    # "2025-03-01 00:00:00", as a CSV exported from Excel sometimes writes it.
    raw = re.sub(r"[ T]00:00(:00)?$", "", raw)
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(raw)
        if match:
            try:
                return dt.date(*map(int, match.groups()))
            except ValueError as exc:
                raise CellError(_("There is no such day: %(value)s.") % {"value": raw}) from exc
    raise CellError(
        _("Not a date: %(value)s. Write it as 2025-03-01 (or 2025/3/1, 2025年3月1日).")
        % {"value": raw}
    )


TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "有"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "✗", "无"})


def boolean(value: object) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("Write 是 (yes) or 否 (no)."))


def choice(choices: type[Choices]) -> Parser:
    """A choice by its code, its Chinese label or its English label, in any case."""

    @functools.cache
    def names() -> dict[str, str]:
        # Built on first use: the labels need the translation catalogues loaded.
        found: dict[str, str] = {}
        for value, label in choices.choices:
            found[value.lower()] = value
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    found[str(label).strip().lower()] = value
        return found

    def parse(raw: object) -> str | None:
        if is_blank(raw):
            return None
        word = str(raw).strip().lower()
        if word in names():
            return names()[word]
        labels = "、".join(str(label) for label in choices.labels)
        raise CellError(
            _("Unknown value %(value)s: use one of %(labels)s.")
            % {"value": str(raw).strip(), "labels": labels}
        )

    return parse


def email(value: object) -> str | None:
    result = text(254)(value)
    if result is None:
        return None
    try:
        validate_email(result)
    except ValidationError as exc:
        raise CellError(_("Not an email address.")) from exc
    return result
