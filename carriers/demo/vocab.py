"""Chinese vocabulary of the demo zone: places, themes, company-name parts, issuers.

Only data lives here. Lists are tuples so their order, and with it every
draw made from them, is fixed.
"""

from __future__ import annotations

from carriers.choices import Industry


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Places in and around Kunshan High-tech Zone, used to invent carrier names.
PLACES: tuple[str, ...] = words(
    "玉山 周市 陆家 花桥 张浦 千灯 淀山湖 锦溪 巴城 城北 "
    "青阳 江浦 祖冲之 前进 马鞍山路 阳澄湖 夏驾河 娄江 庙泾 吴淞江 "
    "朝阳 萧林 白马泾 中华园 玉峰 鹿城 亭林 昆北 高新 森林公园"
)

# A carrier theme and the industry line it serves.
THEMES: tuple[tuple[str, str], ...] = (
    ("智能制造", Industry.ADVANCED_EQUIPMENT),
    ("机器人", Industry.ADVANCED_EQUIPMENT),
    ("精密机械", Industry.ADVANCED_EQUIPMENT),
    ("生物医药", Industry.BIOMEDICINE),
    ("小核酸", Industry.BIOMEDICINE),
    ("医疗器械", Industry.LIFE_HEALTH),
    ("大健康", Industry.LIFE_HEALTH),
    ("光电", Industry.ELECTRONICS),
    ("智能传感", Industry.ELECTRONICS),
    ("新型显示", Industry.ELECTRONICS),
    ("半导体", Industry.INTEGRATED_CIRCUITS),
    ("集成电路", Industry.INTEGRATED_CIRCUITS),
    ("人工智能", Industry.AI),
    ("智能网联", Industry.AI),
    ("新材料", Industry.NEW_MATERIALS),
    ("先进材料", Industry.NEW_MATERIALS),
    ("新能源", Industry.NEW_ENERGY),
    ("氢能", Industry.NEW_ENERGY),
    ("数字经济", Industry.DIGITAL_ECONOMY),
    ("软件", Industry.DIGITAL_ECONOMY),
    ("工业互联网", Industry.DIGITAL_ECONOMY),
    ("智慧农业", Industry.MODERN_AGRICULTURE),
    ("青年创业", Industry.MIXED),
    ("海归人才", Industry.MIXED),
    ("科技创业", Industry.MIXED),
)

# Name endings per carrier kind (Carrier.Kind values).
KIND_SUFFIXES: dict[str, tuple[str, ...]] = {
    "incubator": ("科技孵化器", "创业孵化基地", "孵化中心"),
    "maker_space": ("众创空间", "创客空间", "创新工场"),
    "accelerator": ("加速器", "企业加速器", "产业加速基地"),
    "rd_hq": ("研发总部", "研发中心", "总部基地"),
    "innovation_centre": ("创新中心", "产业技术研究院", "协同创新中心"),
    "industrial_park": ("产业园", "科技园", "产业基地"),
}

OPERATORS: tuple[str, ...] = (
    "昆山高新集团有限公司",
    "昆山高新创业投资有限公司",
    "昆山国科创业投资有限公司",
    "昆山阳澄湖科技园有限公司",
    "昆山高新技术产业开发区管理委员会",
    "昆山市科技创业服务中心",
)

ROADS: tuple[str, ...] = words(
    "前进西路 马鞍山西路 江浦南路 祖冲之南路 晨丰路 元丰路 "
    "玉城南路 登云路 黄浦江南路 萧林西路 景王路 苇城南路 "
    "叶荫路 洞庭湖路"
)

# Company names: region prefix + brand (two characters) + industry word + legal form.
# Registered in Kunshan (USCC region 320583), so no other city's name.
REGION_PREFIXES: tuple[str, ...] = ("昆山", "昆山市", "苏州", "江苏")
BRAND_CHARS: tuple[str, ...] = tuple(
    "芯睿博德华擎源智瑞科达信恒泰康宇晟鼎盛新锐拓微创明卓越联合众通航凯昊天鸿"
    "启星辰安捷诺力致远海森禾普润奥立维迈晶图灵弘毅嘉融鑫汇腾云翼峰讯杰瀚澜昕"
    "曜铭尚正元磐石优朗熙"
)
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    Industry.LIFE_HEALTH: ("医疗科技", "医疗器械", "健康科技", "生命科学", "康复器械"),
    Industry.BIOMEDICINE: ("生物医药", "生物科技", "医药科技", "基因科技", "药业"),
    Industry.ELECTRONICS: ("电子科技", "光电科技", "传感技术", "通信技术", "显示科技"),
    Industry.INTEGRATED_CIRCUITS: ("微电子", "半导体", "集成电路", "芯片科技", "封装测试"),
    Industry.AI: ("智能科技", "人工智能", "机器视觉", "智能机器人", "数据智能"),
    Industry.ADVANCED_EQUIPMENT: ("智能装备", "精密机械", "自动化科技", "机电科技", "工业装备"),
    Industry.NEW_MATERIALS: ("新材料", "材料科技", "高分子材料", "纳米科技", "复合材料"),
    Industry.NEW_ENERGY: ("新能源", "储能科技", "氢能科技", "能源技术", "光伏科技"),
    Industry.DIGITAL_ECONOMY: ("信息技术", "软件科技", "网络科技", "数字科技", "云计算"),
    Industry.MODERN_AGRICULTURE: ("农业科技", "生物农业", "智慧农业", "种业科技", "食品科技"),
}
LEGAL_FORMS: tuple[str, ...] = ("有限公司", "有限公司", "有限公司", "股份有限公司")

SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
)
GIVEN_NAMES: tuple[str, ...] = words(
    "伟 芳 娜 敏 静 磊 洋 勇 杰 军 婷 强 鹏 晨 "
    "子涵 浩然 思远 雨桐 欣怡 宇航 嘉怡 志强 海峰 晓东 建华 文博 一鸣 佳琪 "
    "俊杰 立新"
)

# Qualification issuers (DESIGN.md §3 tiers).
ISSUERS: dict[str, tuple[str, ...]] = {
    "tech_sme": ("江苏省科学技术厅",),
    "high_tech": ("江苏省科学技术厅 江苏省财政厅 国家税务总局江苏省税务局",),
    "gazelle": ("江苏省科学技术厅", "苏州市科学技术局"),
    "potential_unicorn": ("江苏省科学技术厅", "科技部火炬中心"),
    "unicorn": ("科技部火炬中心",),
    "little_giant": ("工业和信息化部",),
}

# Turnkey (拎包入住) package parts per unit kind; {n} is filled from the unit's size.
TURNKEY_PARTS: dict[str, tuple[str, ...]] = {
    "office": (
        "办公桌椅{seats}套",
        "{room}人会议室1间",
        "经理室{managers}间",
        "文件柜及储物柜",
        "前台接待区",
        "中央空调",
        "千兆光纤及Wi-Fi全覆盖",
        "门禁及监控系统",
        "共享茶水间",
        "日常保洁及物业服务",
    ),
    "coworking": (
        "开放工位{seats}个",
        "共享会议室及路演厅",
        "打印复印",
        "个人储物柜",
        "茶歇区",
        "千兆网络",
        "工商注册地址",
        "创业导师及政策申报服务",
    ),
    "lab": (
        "实验台{benches}组",
        "通风橱{hoods}台",
        "试剂柜及气瓶柜",
        "纯水系统",
        "集中供气（氮气、压缩空气）",
        "洗眼器及紧急喷淋",
        "危废暂存点",
        "办公桌椅{seats}套",
        "独立新风及排风系统",
    ),
}

# Space requests: wording of needs, by fit-out option.
TAILORED_NOTES: tuple[str, ...] = (
    "需独立展厅及洽谈区，办公区按开放式布局定制。",
    "需按GMP要求改造实验区，并预留洁净走廊。",
    "需加固地面以放置精密设备，并预留行车轨道。",
    "希望与现有团队同层，便于扩展，装修风格与总部一致。",
    "需双路供电及独立机房（UPS、精密空调）。",
    "需独立出入口及货梯，便于样机运输。",
)
TURNKEY_NOTES: tuple[str, ...] = (
    "团队即将落地昆山，希望尽快拎包入住。",
    "海外人才回国创业，需带家具办公室，可短期签约。",
    "获得天使轮融资，团队扩张，需增加工位。",
    "希望靠近共享实验平台。",
    "",
)
NETWORKS: tuple[str, ...] = ("千兆光纤", "双路由专线", "千兆光纤＋5G室分", "")
CLEANROOM_CLASSES: tuple[str, ...] = (
    "ISO 5（百级）",
    "ISO 6（千级）",
    "ISO 7（万级）",
    "ISO 8（十万级）",
)
