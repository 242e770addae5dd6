"""统一社会信用代码 (unified social credit code) validation, via python-stdnum."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError


def normalise_uscc(value: str) -> str:
    """Upper-case and strip spaces and dashes, as people type and paste it."""
    return uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """Raise a ValidationError with a message the user understands."""
    try:
        uscc.validate(value or "")
    except InvalidLength as exc:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(normalise_uscc(value))},
        ) from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong: please check "
                "the code on the business licence."
            ),
            code="uscc_checksum",
        ) from exc
    except (InvalidFormat, StdnumError) as exc:
        raise ValidationError(
            _(
                "This is not a unified social credit code: the first 8 characters are digits and "
                "the rest are digits or capital letters other than I, O, S, V and Z."
            ),
            code="uscc_format",
        ) from exc


def make_uscc(body: str) -> str:
    """Append the check character to 17 characters (for demo data and tests)."""
    return body + uscc.calc_check_digit(body)
