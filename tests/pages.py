"""Comparing two pages that must look the same to whoever asked for them."""

from __future__ import annotations

import re


def unmasked(content: bytes) -> bytes:
    """The page without what differs by request alone: the CSRF tokens (Django
    masks each one afresh) and the language switch's way back (the asked path)."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)
    return re.sub(rb'name="next" type="hidden" value="[^"]*"', b"", content)
