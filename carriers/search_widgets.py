"""Form widgets of the unit search, rendered in Python.

Django renders every widget (and every option of a select) through a
template. The search form has fourteen fields and, for leadership, 600
carriers to choose from: rendered the usual way the form took longer than
the search's queries. These produce the same HTML from the same attributes
(the field's, the bound field's id and aria ones) with format_html, which
escapes every value.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

SELECTED = mark_safe(" selected")  # a constant, nothing from the user


class QuickSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(key), SELECTED if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final), options)


class _QuickInput(Input):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(
            self.attrs, {**(attrs or {}), "type": self.input_type, "name": name}
        )
        shown = self.format_value(value)
        if shown is not None:
            final["value"] = shown
        return format_html("<input{}>", flatatt(final))


class QuickNumberInput(_QuickInput, forms.NumberInput):
    pass


class QuickDateInput(_QuickInput, forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # ISO whatever the language: what <input type="date"> reads and sends.
        super().__init__(attrs, format="%Y-%m-%d")


class QuickCheckbox(forms.CheckboxInput):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "type": "checkbox", "name": name})
        if self.check_test(value):
            final["checked"] = True
        return format_html("<input{}>", flatatt(final))
