"""The Simplified Chinese translation: complete, compiled, and what users see by default.

The catalogue is locale/zh_Hans/LC_MESSAGES/django.po, compiled to django.mo
next to it (`make messages`). These tests read the .po with a small parser of
their own, so they need neither polib nor GNU gettext.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from carriers.models import Carrier
from carriers.status import UnitStatus
from leasing.services import AllocationConflict, allocation_create
from leasing.uscc import make_uscc, validate_uscc
from tests.factories import make_tenant, make_unit

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

CJK = re.compile(r"[\u4e00-\u9fff]")
# %(name)s, %(s).1f, %(n)d ... and str.format's {name}.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-+ #0]*\d*(?:\.\d+)?[a-zA-Z]|\{[^{}]*\}")


# --- A small .po reader -------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def _unquote(text: str) -> str:
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a PO string: {text}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(text: str) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") first; obsolete (#~) ones skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and target is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                current.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot], target = value, ("msgstr", slot)
        elif line.startswith('"') and target is not None:
            value = _unquote(line)
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += value
            else:
                setattr(current, name, getattr(current, name) + value)
        else:
            raise ValueError(f"{PO_FILE.name} line {number}: cannot read {raw!r}")
    finish()
    return entries


def po_entries() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def po_messages() -> list[Entry]:
    return [entry for entry in po_entries() if entry.msgid]


def po_catalogue(entries: list[Entry]) -> dict[object, str]:
    """The catalogue msgfmt would compile, keyed as gettext.GNUTranslations keys it.

    Untranslated and fuzzy entries are left out, as msgfmt leaves them out.
    """
    catalogue: dict[object, str] = {}
    for entry in entries:
        if not entry.msgid or "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            catalogue[msgid] = entry.msgstr[0]
        else:
            for slot, text in entry.msgstr.items():
                catalogue[(msgid, slot)] = text
    return catalogue


def mo_catalogue() -> dict[object, str]:
    with MO_FILE.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    # The header is compiled under the key "" and compared on its own.
    return {key: text for key, text in compiled._catalog.items() if key != ""}


def po_header() -> dict[str, str]:
    header = po_entries()[0]
    assert header.msgid == "", "the .po must start with its header entry"
    lines = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in lines}


# --- (a) the catalogue is complete ----------------------------------------------------


def test_it_reads_the_po_file() -> None:
    messages = po_messages()
    assert len(messages) > 100
    assert any(entry.msgid == "Occupied" for entry in messages)


def test_it_has_every_message_translated() -> None:
    untranslated = [
        entry.label
        for entry in po_messages()
        if not entry.msgstr or not all(text.strip() for text in entry.msgstr.values())
    ]
    assert untranslated == [], "translate these, then run `make messages`"


def test_it_has_no_fuzzy_entries() -> None:
    # msgfmt leaves fuzzy entries out of the .mo: users would see English.
    fuzzy = [entry.label for entry in po_entries() if "fuzzy" in entry.flags]
    assert fuzzy == [], "review these translations and remove their #, fuzzy flag"


def test_it_declares_chinese_with_one_plural_form() -> None:
    header = po_header()
    assert header["Language"] == "zh_Hans"
    assert "charset=UTF-8" in header["Content-Type"]
    assert header["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    plural_slots = [
        entry.label
        for entry in po_messages()
        if entry.msgid_plural is not None and set(entry.msgstr) != {0}
    ]
    assert plural_slots == [], "Chinese has one plural form: give only msgstr[0]"


def test_it_keeps_every_placeholder() -> None:
    broken = [
        entry.label
        for entry in po_messages()
        for text in entry.msgstr.values()
        if sorted(PLACEHOLDER.findall(text))
        != sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
    ]
    assert broken == []


def test_it_translates_into_chinese() -> None:
    # Catches entries left in English (a copied msgid): a message with English words
    # in it needs Chinese characters in its translation. "%(area)s m²" needs none.
    english = [
        entry.label
        for entry in po_messages()
        if re.search(r"[A-Za-z]{2,}", PLACEHOLDER.sub("", entry.msgid))
        and not any(CJK.search(text) for text in entry.msgstr.values())
    ]
    assert english == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_it_passes_the_gettext_format_checks(tmp_path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "check.mo"), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- (b) the compiled catalogue matches the .po ----------------------------------------


def test_it_has_compiled_the_po_into_the_mo() -> None:
    assert MO_FILE.exists(), "run `make messages` to compile the catalogue"
    expected = po_catalogue(po_entries())
    compiled = mo_catalogue()
    missing = sorted(str(key) for key in expected.keys() - compiled.keys())
    stale = sorted(str(key) for key in compiled.keys() - expected.keys())
    changed = sorted(
        str(key) for key in expected.keys() & compiled.keys() if expected[key] != compiled[key]
    )
    hint = "django.mo is out of step with django.po: run `make messages`"
    assert (missing, stale, changed) == ([], [], []), hint


def test_it_compiles_the_plural_rule_into_the_mo() -> None:
    with MO_FILE.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    assert compiled.info()["language"] == "zh_Hans"
    # One form for every count: msgstr[0] serves 1 and 5 alike.
    assert [compiled.plural(n) for n in (0, 1, 2, 5, 21)] == [0, 0, 0, 0, 0]


def test_it_notices_a_po_edited_but_not_compiled() -> None:
    # The comparison above must fail when a translation changes in the .po only.
    entries = po_entries()
    edited = next(entry for entry in entries if entry.msgid == "Occupied")
    edited.msgstr[0] += "（未编译）"
    assert po_catalogue(entries) != mo_catalogue()


# --- (c) the domain words and the messages users act on ------------------------------


def test_it_labels_statuses_and_carrier_kinds_in_chinese() -> None:
    with translation.override("zh-hans"):
        assert str(UnitStatus.OCCUPIED.label) == "已出租"
        assert str(UnitStatus.VACANT.label) == "空置"
        assert str(Carrier.Kind.INCUBATOR.label) == "孵化器"
        assert str(Carrier.Kind.MAKER_SPACE.label) == "众创空间"
    with translation.override("en"):
        assert str(UnitStatus.OCCUPIED.label) == "Occupied"


def test_it_explains_a_wrong_uscc_check_character_in_chinese() -> None:
    good = make_uscc("91320583MA1234567")
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_uscc(wrong_check)
    [message] = caught.value.messages
    assert "统一社会信用代码" in message
    assert "校验位" in message
    assert "营业执照" in message


def test_it_counts_uscc_characters_in_chinese() -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_uscc("91320583MA12")
    [message] = caught.value.messages
    assert "18 位" in message
    assert "12 位" in message


@pytest.mark.django_db
def test_it_names_the_conflicting_lease_in_chinese() -> None:
    unit = make_unit(code="A-301")
    holder = make_tenant(name="昆山测试生物科技有限公司")
    lease = allocation_create(
        unit=unit, tenant=holder, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1)
    )
    with translation.override("zh-hans"), pytest.raises(AllocationConflict) as caught:
        allocation_create(
            unit=unit, tenant=make_tenant(), start=dt.date(2025, 6, 1), end=dt.date(2025, 9, 1)
        )
    [message] = caught.value.messages
    assert f"租约 #{lease.pk}" in message
    assert "单元 A-301" in message
    assert "昆山测试生物科技有限公司" in message
    assert "2025-01-01 – 2025-12-31" in message
    assert "生效中" in message
    assert "未保存" in message


# --- (d) and (e) pages are Chinese by default ----------------------------------------


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123")


@pytest.mark.django_db
def test_it_serves_the_overview_in_chinese_by_default(client, superuser) -> None:
    make_unit()
    client.force_login(superuser)
    body = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in body
    # The overview is the occupancy dashboard of the whole district.
    assert "<h1>全区</h1>" in body
    assert "出租率（按面积）" in body
    assert "The whole district" not in body
    assert "Occupancy by area" not in body


@pytest.mark.django_db
def test_it_serves_the_overview_in_english_by_cookie(client, superuser) -> None:
    make_unit()
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "<h1>The whole district</h1>" in body
    assert "Occupancy by area" in body
    assert "<h1>全区</h1>" not in body
    assert "出租率（按面积）" not in body


@pytest.mark.django_db
def test_it_shows_our_apps_with_chinese_names_in_the_admin(client, superuser) -> None:
    client.force_login(superuser)
    body = client.get("/admin/").content.decode()
    for label, english in (("carriers", "Space inventory"), ("leasing", "Tenants and leasing")):
        with translation.override("zh-hans"):
            chinese = str(apps.get_app_config(label).verbose_name)
        assert CJK.search(chinese), chinese
        assert chinese in body
        assert english not in body
