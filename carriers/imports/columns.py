"""What an import file holds: its sheets (one per kind), their columns, their keys.

The one description of the format: the reader maps headers with it, the rows
are parsed with it, the template is written from it and docs/import.md
describes it. Headers are fixed Chinese words (the template's) or their
English equivalents, matched without regard to case, spaces, a trailing "*"
or a unit in brackets, so "建筑面积（m²）" and "Gross area" both find
gross_area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language

from carriers.choices import Industry
from carriers.imports import cells
from carriers.models import Carrier, Unit
from leasing.models import Qualification
from leasing.uscc import make_uscc

# Kinds in the order they are read, validated and written: parents first.
CARRIERS, BUILDINGS, FLOORS, UNITS = "carriers", "buildings", "floors", "units"
TENANTS, QUALIFICATIONS, LEASES = "tenants", "qualifications", "leases"

EXAMPLE_USCC = make_uscc("91320583MA1EXAMPL")


@dataclass(frozen=True)
class Column:
    key: str
    zh: str  # the template's header
    en: str  # also accepted
    parse: cells.Parser
    required: bool
    example: object
    note: str  # for the template's header comment (Chinese: the users' language)


@dataclass(frozen=True)
class Sheet:
    kind: str
    zh: str  # the template's sheet name
    en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the natural key: re-importing a row updates the row so keyed

    @property
    def label(self) -> str:
        """The sheet's name in the user's language (the template's names are fixed words)."""
        return self.zh if get_language().startswith("zh") else self.en

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


def normalise_header(header: object) -> str:
    """Lower case, no spaces, no trailing '*', no unit in brackets.

    "建筑面积（m²）" -> "建筑面积"; "Gross area" -> "grossarea".
    """
    word = str(header or "").strip().lower()
    word = re.sub(r"[（(][^）)]*[）)]$", "", word)
    return re.sub(r"[\s_*]+", "", word)


def _c(
    key: str,
    zh: str,
    en: str,
    parse: cells.Parser,
    example: object,
    note: str,
    *,
    required: bool = False,
) -> Column:
    return Column(key, zh, en, parse, required, example, note)


CARRIER_CODE = _c(
    "carrier",
    "载体编码",
    "Carrier code",
    cells.text(32, slug=True),
    "demo-inc",
    "载体的简码：字母、数字、连字符；用于识别载体，重复导入时据此更新。",
    required=True,
)
BUILDING_CODE = _c(
    "building", "楼栋编码", "Building code", cells.text(16), "A", "载体内楼栋的编码", required=True
)
FLOOR_LEVEL = _c(
    "level",
    "楼层",
    "Floor level",
    cells.integer(minimum=-9, maximum=200),
    3,
    "整数：1 为首层，地下为 -1、-2……，没有 0 层",
    required=True,
)
UNIT_CODE = _c(
    "unit", "单元编码", "Unit code", cells.text(32), "A-301", "载体内唯一的单元编码", required=True
)
USCC = _c(
    "uscc",
    "统一社会信用代码",
    "USCC",
    cells.text(40),
    EXAMPLE_USCC,
    "18 位统一社会信用代码（含校验位）",
    required=True,
)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        CARRIERS,
        "载体",
        "Carriers",
        (
            CARRIER_CODE,
            _c(
                "name",
                "载体名称",
                "Name",
                cells.text(120),
                "示例科创孵化器",
                "全区唯一",
                required=True,
            ),
            _c(
                "kind",
                "载体类型",
                "Kind",
                cells.choice(Carrier.Kind),
                "孵化器",
                "孵化器、加速器、众创空间、研发总部、创新中心、产业园",
                required=True,
            ),
            _c(
                "level",
                "认定级别",
                "Recognition level",
                cells.choice(Carrier.Level),
                "市级",
                "国家级、省级、市级、无（空白为无）",
            ),
            _c("operator", "运营单位", "Operator", cells.text(120), "昆山高新集团有限公司", ""),
            _c("address", "地址", "Address", cells.text(200), "江苏省昆山市高新区示例路1号", ""),
            _c(
                "industry_focus",
                "产业方向",
                "Industry focus",
                cells.choice(Industry),
                "人工智能",
                "空白为综合",
            ),
            _c("opened_on", "开业日期", "Opened on", cells.date, "2023-01-01", "日期"),
        ),
        ("carrier",),
    ),
    Sheet(
        BUILDINGS,
        "楼栋",
        "Buildings",
        (
            CARRIER_CODE,
            BUILDING_CODE,
            _c("name", "楼栋名称", "Name", cells.text(80), "A栋", "", required=True),
            _c("completed_on", "竣工日期", "Completed on", cells.date, "2022-10-01", "日期"),
        ),
        ("carrier", "building"),
    ),
    Sheet(
        FLOORS,
        "楼层",
        "Floors",
        (
            CARRIER_CODE,
            BUILDING_CODE,
            FLOOR_LEVEL,
            _c("label", "楼层标识", "Label", cells.text(16), "3F", "如 3F、B1；空白时按楼层生成"),
        ),
        ("carrier", "building", "level"),
    ),
    Sheet(
        UNITS,
        "单元",
        "Units",
        (
            CARRIER_CODE,
            BUILDING_CODE,
            FLOOR_LEVEL,
            UNIT_CODE,
            _c(
                "kind",
                "单元类型",
                "Kind",
                cells.choice(Unit.Kind),
                "办公",
                "办公、实验室、厂房、洁净室、联合办公工位、仓库（空白为办公）",
            ),
            _c(
                "gross_area",
                "建筑面积",
                "Gross area",
                cells.decimal(positive=True),
                Decimal("180.50"),
                "平方米，大于 0",
                required=True,
            ),
            _c(
                "usable_area",
                "套内面积",
                "Usable area",
                cells.decimal(positive=True),
                Decimal("150.00"),
                "平方米，大于 0 且不超过建筑面积",
                required=True,
            ),
            _c("seats", "工位数", "Seats", cells.integer(minimum=0), 16, "整数，空白为 0"),
            _c(
                "list_rent",
                "挂牌租金",
                "List rent",
                cells.decimal(),
                Decimal("48.00"),
                "元/平方米/月，空白为 0",
            ),
            _c("leasable", "可出租", "Leasable", cells.boolean, "是", "是/否，空白为是"),
            _c("turnkey", "拎包入住", "Turnkey", cells.boolean, "是", "是/否，空白为否"),
            _c(
                "turnkey_package",
                "拎包入住配置",
                "Furnished package",
                cells.text(2000),
                "办公桌椅16套、会议室1间、网络",
                "拎包入住单元必填",
            ),
            _c("ready_on", "整备完成日期", "Ready on", cells.date, None, "整备中的单元填写"),
            _c(
                "in_service_from",
                "投用日期",
                "In service from",
                cells.date,
                "2023-01-01",
                "日期",
                required=True,
            ),
            _c("retired_on", "停用日期", "Retired on", cells.date, None, "晚于投用日期"),
        ),
        ("carrier", "unit"),
    ),
    Sheet(
        TENANTS,
        "企业",
        "Tenants",
        (
            USCC,
            _c(
                "name",
                "企业名称",
                "Company name",
                cells.text(120),
                "昆山示例智能科技有限公司",
                "",
                required=True,
            ),
            _c(
                "industry", "所属行业", "Industry", cells.choice(Industry), "人工智能", "空白为综合"
            ),
            _c("founded_on", "成立日期", "Founded on", cells.date, "2021-05-20", "日期"),
            _c("employees", "员工人数", "Employees", cells.integer(minimum=0), 25, "整数"),
            _c(
                "rd_staff",
                "研发人员",
                "R&D staff",
                cells.integer(minimum=0),
                12,
                "整数，不超过员工人数",
            ),
            _c("contact_name", "联系人", "Contact person", cells.text(60), "张三", ""),
            _c("contact_phone", "联系电话", "Contact phone", cells.text(32), "0512-57001234", ""),
            _c("contact_email", "联系邮箱", "Contact email", cells.email, "office@example.cn", ""),
            _c(
                "incubation_entered_on",
                "入孵日期",
                "Entered incubation on",
                cells.date,
                "2023-03-01",
                "日期",
            ),
            _c("graduated_on", "毕业日期", "Graduated on", cells.date, None, "晚于入孵日期"),
            _c("moved_out_on", "迁出日期", "Moved out on", cells.date, None, "日期"),
        ),
        ("uscc",),
    ),
    Sheet(
        QUALIFICATIONS,
        "资质",
        "Qualifications",
        (
            USCC,
            _c(
                "kind",
                "资质类型",
                "Qualification",
                cells.choice(Qualification.Kind),
                "科技型中小企业",
                "科技型中小企业、高新技术企业、瞪羚企业、潜在独角兽企业、独角兽企业、专精特新“小巨人”企业",
                required=True,
            ),
            _c(
                "valid_from",
                "生效日期",
                "Valid from",
                cells.date,
                "2024-05-01",
                "日期",
                required=True,
            ),
            _c(
                "valid_until",
                "有效期至",
                "Valid until",
                cells.date,
                "2025-04-30",
                "有效期最后一天（含）；空白为长期有效",
            ),
            _c("issuer", "认定机构", "Issuer", cells.text(120), "江苏省科学技术厅", ""),
            _c(
                "certificate_no",
                "证书编号",
                "Certificate number",
                cells.text(64),
                "2024320583001",
                "",
            ),
        ),
        ("uscc", "kind", "valid_from"),
    ),
    Sheet(
        LEASES,
        "租约",
        "Leases",
        (
            CARRIER_CODE,
            UNIT_CODE,
            USCC,
            _c(
                "start",
                "起租日",
                "Start date",
                cells.date,
                "2023-03-01",
                "租期第一天",
                required=True,
            ),
            _c(
                "last_day",
                "到期日",
                "Last day",
                cells.date,
                "2026-02-28",
                "租期最后一天（含）；空白为不定期",
            ),
            _c(
                "contracted_rent",
                "合同租金",
                "Contracted rent",
                cells.decimal(),
                Decimal("45.00"),
                "元/平方米/月；空白为单元挂牌租金",
            ),
            _c(
                "rent_free_months",
                "免租月数",
                "Rent-free months",
                cells.integer(minimum=0, maximum=120),
                2,
                "整数",
            ),
            _c("deposit", "押金", "Deposit", cells.decimal(), Decimal("16245.00"), "元"),
            _c("signed_on", "签约日期", "Signed on", cells.date, "2023-02-15", "日期"),
            _c(
                "counts_as_incubation",
                "计入孵化面积",
                "Counts as incubation",
                cells.boolean,
                "是",
                "是/否，空白为否",
            ),
            _c("note", "备注", "Note", cells.text(2000), "示例租约", ""),
        ),
        ("carrier", "unit", "start"),
    ),
)

BY_KIND: dict[str, Sheet] = {sheet.kind: sheet for sheet in SHEETS}


def sheet_for_title(title: str) -> Sheet | None:
    """The sheet a workbook tab stands for, by its Chinese or English name."""
    word = normalise_header(title)
    for sheet in SHEETS:
        if word in (normalise_header(sheet.zh), normalise_header(sheet.en), sheet.kind):
            return sheet
    return None


def header_index(sheet: Sheet) -> dict[str, Column]:
    """Every accepted spelling of each header of a sheet."""
    index: dict[str, Column] = {}
    for column in sheet.columns:
        for name in (column.zh, column.en, column.key):
            index[normalise_header(name)] = column
    return index
