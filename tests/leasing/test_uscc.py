"""统一社会信用代码 validation: the message a user sees for each kind of mistake.

No compiled zh_Hans catalogue exists yet (locale/ is empty), so only the
English source messages are checked; the Chinese ones belong with the
translations.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from leasing.models import Tenant
from leasing.uscc import make_uscc, normalise_uscc, validate_uscc
from tests.factories import make_tenant

# A real, published code (with its L check character) and one built for Kunshan.
VALID = "91110000600037341L"
KUNSHAN = make_uscc("91320583MA1WXY123")

CHECKSUM = (
    "The check character of this unified social credit code is wrong: please check the "
    "code on the business licence."
)
FORMAT = (
    "This is not a unified social credit code: the first 8 characters are digits and the "
    "rest are digits or capital letters other than I, O, S, V and Z."
)


def length(n: int) -> str:
    return f"A unified social credit code has 18 characters; this one has {n}."


@pytest.fixture(autouse=True)
def _english() -> None:
    # The default language is Chinese; these tests read the English source messages.
    with translation.override("en"):
        yield


def messages(value: str) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        validate_uscc(value)
    return exc.value.messages


def code(value: str) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_uscc(value)
    return exc.value.code


@pytest.mark.parametrize("value", [VALID, KUNSHAN])
def test_it_accepts_a_valid_code(value: str) -> None:
    assert validate_uscc(value) is None


def test_it_builds_codes_with_the_right_check_character() -> None:
    assert make_uscc("91110000600037341") == VALID
    assert len(KUNSHAN) == 18


def test_it_refuses_a_wrong_check_character() -> None:
    wrong = VALID[:-1] + ("M" if VALID[-1] != "M" else "N")
    assert messages(wrong) == [CHECKSUM]
    assert code(wrong) == "uscc_checksum"


def test_it_refuses_a_mistyped_digit_through_the_checksum() -> None:
    mistyped = VALID[:10] + ("1" if VALID[10] != "1" else "2") + VALID[11:]
    assert messages(mistyped) == [CHECKSUM]


@pytest.mark.parametrize(
    "typed",
    [
        VALID.lower(),
        f"  {VALID}  ",
        f" {VALID.lower()} ",
        f"{VALID[:8]}-{VALID[8:]}",
        f"{VALID[:6]} {VALID[6:]}",
    ],
)
def test_it_accepts_and_normalises_lower_case_spaces_and_dashes(typed: str) -> None:
    assert validate_uscc(typed) is None
    assert normalise_uscc(typed) == VALID


def test_it_normalises_nothing_to_an_empty_string() -> None:
    assert normalise_uscc("") == ""
    assert normalise_uscc(None) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "n"),
    [
        (VALID[:-1], 17),
        (VALID + "1", 19),
        ("9132058", 7),
        ("", 0),
        # Counted as the user meant it: spaces around do not count.
        (f"  {VALID[:16]}  ", 16),
    ],
)
def test_it_gives_the_length_it_counted(value: str, n: int) -> None:
    assert messages(value) == [length(n)]
    assert code(value) == "uscc_length"


@pytest.mark.parametrize(
    "value",
    [
        # I and O are never used (they read as 1 and 0), nor S, V, Z.
        VALID[:8] + "I" + VALID[9:],
        VALID[:8] + "O" + VALID[9:],
        VALID[:12] + "S" + VALID[13:],
        VALID[:-1] + "Z",
        # The first 8 characters are digits.
        "A" + VALID[1:],
        VALID[:7] + "X" + VALID[8:],
        VALID[:10] + "#" + VALID[11:],
    ],
)
def test_it_refuses_characters_a_code_never_has(value: str) -> None:
    assert messages(value) == [FORMAT]
    assert code(value) == "uscc_format"


@pytest.mark.django_db
def test_it_stores_the_compact_upper_case_form() -> None:
    tenant = make_tenant(uscc=f" {VALID[:8].lower()}-{VALID[8:].lower()} ")
    tenant.refresh_from_db()
    assert tenant.uscc == VALID


@pytest.mark.django_db
def test_it_passes_full_clean_for_a_code_typed_loosely() -> None:
    tenant = Tenant(name="昆山测试科技有限公司", uscc=f" {KUNSHAN.lower()} ")
    tenant.full_clean()
    assert tenant.uscc == KUNSHAN
    tenant.save()
    assert Tenant.objects.get(uscc=KUNSHAN) == tenant


@pytest.mark.django_db
def test_it_refuses_a_loosely_typed_duplicate_in_full_clean() -> None:
    make_tenant(uscc=VALID)
    duplicate = Tenant(name="重复", uscc=VALID.lower())
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "uscc" in exc.value.message_dict


@pytest.mark.django_db
def test_it_shows_the_uscc_message_on_the_field_in_full_clean() -> None:
    tenant = Tenant(name="错码公司", uscc=VALID[:-1] + "M")
    with pytest.raises(ValidationError) as exc:
        tenant.full_clean()
    assert exc.value.message_dict["uscc"] == [CHECKSUM]
