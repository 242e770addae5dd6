"""Password validation: Django's validators, with one message fixed for Chinese.

Django 5.2 reworded the minimum-length error (its msgid now uses `%d`) and
its Simplified Chinese catalog has no translation for the new wording yet,
so a Chinese user was told in English that the password is too short. This
validator says the same with the earlier wording, which the catalog (and
ours) translates.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
