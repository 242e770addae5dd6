"""Import carriers, buildings, floors, units, companies and leases from XLSX or CSV files.

    manage.py import_space zone.xlsx --dry-run
    manage.py import_space carriers.csv units.csv leases.csv --user manager1

All or nothing: if any row is refused nothing is written, the error report
names each sheet, row and column, and the command exits with status 1 (2 for
a file that cannot be read at all). docs/import.md describes the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from carriers.imports.reading import Source, check_size
from carriers.imports.report import summary_text
from carriers.imports.service import import_space
from carriers.imports.template import template_workbook
from leasing.access import Role, Scope, scope_for

# Exit statuses: 0 imported (or a clean dry run), 1 rows refused, 2 a file refused whole.
REFUSED_ROWS, REFUSED_FILE = 1, 2


class Command(BaseCommand):
    help = "Import space, companies and leases from XLSX or CSV files (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="XLSX workbook or CSV files.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--user",
            help="Import with this user's scope (a manager: only their carriers). "
            "Default: the district admin's, everything.",
        )
        parser.add_argument(
            "--lang", default="zh-hans", choices=["zh-hans", "en"], help="Report language."
        )
        parser.add_argument("--rows", action="store_true", help="List every row's action.")
        parser.add_argument("--template", type=Path, help="Write the XLSX template here and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        if options["template"]:
            options["template"].write_bytes(template_workbook())
            self.stdout.write(_("Template written to %(path)s.") % {"path": options["template"]})
            return
        if not options["files"]:
            raise CommandError(_("Name at least one file to import."))
        sources = []
        for path in options["files"]:
            try:
                size = path.stat().st_size
            except OSError as exc:
                raise CommandError(_("Cannot read %(path)s.") % {"path": path}) from exc
            problem = check_size(path.name, size)
            if problem:
                self.stderr.write(problem)
                raise SystemExit(REFUSED_FILE)
            sources.append(Source(path.name, path.read_bytes()))
        report = import_space(
            sources, scope=self._scope(options["user"]), dry_run=options["dry_run"]
        )
        text = summary_text(report, every_row=options["rows"])
        if report.refused:
            self.stderr.write(text)
            raise SystemExit(REFUSED_FILE if report.file_errors else REFUSED_ROWS)
        self.stdout.write(text)
        self.stdout.write(_("%(seconds).1f s.") % {"seconds": report.seconds})

    def _scope(self, username: str | None) -> Scope:
        if username is None:
            # The shell is the system owner's: the district admin's scope.
            return Scope(AnonymousUser(), Role.ADMIN, frozenset(), frozenset())
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(_("No user %(name)s.") % {"name": username}) from exc
        scope = scope_for(user)
        if scope.role not in (Role.ADMIN, Role.MANAGER):
            raise CommandError(
                _("%(name)s is not a space manager or the district admin.") % {"name": username}
            )
        return scope
