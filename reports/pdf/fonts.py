"""The CJK font every report draws with, registered with ReportLab once, on first use.

The font is vendored (reports/fonts/, see its README for where it comes from and
its licence), so a PDF renders Chinese as Chinese on any machine, with no system
font installed (DESIGN.md §4.6). ReportLab embeds only the glyphs a document uses.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttc"
CJK = "WenQuanYiMicroHei"
# What browsers should use for the same text in an inline SVG chart: the
# vendored face when the system has it, else any CJK sans-serif.
CSS_FONT_FAMILY = (
    "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', "
    "'PingFang SC', 'Microsoft YaHei', sans-serif"
)

_lock = threading.Lock()


def cjk_font() -> str:
    """The registered font's name; registers it on the first call (thread-safe)."""
    if CJK in pdfmetrics.getRegisteredFontNames():
        return CJK
    with _lock:
        if CJK not in pdfmetrics.getRegisteredFontNames():
            # A .ttc is a collection: face 0 is the proportional Micro Hei.
            pdfmetrics.registerFont(TTFont(CJK, str(FONT_PATH), subfontIndex=0))
    return CJK
