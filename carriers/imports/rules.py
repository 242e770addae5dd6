"""The models' own rules, checked on each record as the import would write it.

A row updates only the columns its file has, so a rule between two fields
(retired after in service, R&D staff within employees) may hold in the row
and break against the value on file: 投用日期 moved past a stored 停用日期.
Every planned create and update is checked here, in the dry run as in the
import, on the merged record: its fields' validators, the model's clean()
and its CHECK constraints. A broken rule refuses the row, naming the stored
value when the file does not have its column; the database's constraint is
never the first to notice.

CHECK conditions are evaluated in Python (SQL's three-valued logic: a NULL
passes), as the import checks thousands of rows; a condition this does not
understand is left to Django's own check, which asks the database.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, F, Model, Q
from django.utils.translation import gettext as _

from carriers.imports import columns as C
from carriers.imports.rows import CREATE, UPDATE, Row

# Model fields whose column has another key; other fields are named as their column.
COLUMN_OF: dict[str, dict[str, str]] = {
    C.CARRIERS: {"code": "carrier"},
    C.BUILDINGS: {"code": "building"},
    C.FLOORS: {},
    C.UNITS: {"code": "unit"},
    C.TENANTS: {},
    C.QUALIFICATIONS: {"valid_to": "valid_until"},
    C.LEASES: {"end": "last_day", "state": "last_day"},
}

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "in": lambda value, options: value in options,
}


class _Unknown(Exception):
    """A condition this module cannot evaluate in Python."""


def check_planned(rows: dict[str, list[Row]]) -> None:
    """Refuse every planned row whose record would break a rule of its model."""
    for kind, kind_rows in rows.items():
        for row in kind_rows:
            if row.action in (CREATE, UPDATE) and not row.errors and row.target is not None:
                for field, message in model_errors(row.target, kind):
                    _refuse(row, kind, field, message)


def model_errors(instance: Model, kind: str) -> list[tuple[str | None, str]]:
    """(field or None, message) for every rule the instance breaks, each message once."""
    errors: list[tuple[str | None, str]] = []
    columns = {c.key for c in C.BY_KIND[kind].columns}
    renamed = COLUMN_OF[kind]
    # Only the fields an import sets (relations are set by the plan itself).
    exclude = [
        f.name
        for f in instance._meta.concrete_fields
        if f.is_relation or renamed.get(f.name, f.name) not in columns
    ]
    for step in (lambda: instance.clean_fields(exclude=exclude), instance.clean):
        try:
            step()
        except ValidationError as exc:
            errors.extend(_by_field(exc))
    for constraint in instance._meta.constraints:
        if isinstance(constraint, CheckConstraint) and not _passes(constraint, instance):
            fields = list(_fields_of(constraint.condition))
            errors.append((fields[0] if fields else None, constraint.get_violation_error_message()))
    seen: set[str] = set()
    unique = []
    for field, message in errors:
        if message not in seen:  # clean() and a constraint often say the same thing
            seen.add(message)
            unique.append((field, message))
    return unique


def _by_field(exc: ValidationError) -> Iterator[tuple[str | None, str]]:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                yield (None if field == "__all__" else field), message
    else:
        for message in exc.messages:
            yield None, message


def _refuse(row: Row, kind: str, field: str | None, message: str) -> None:
    key = COLUMN_OF[kind].get(field, field) if field else None
    if key is not None and key not in {c.key for c in C.BY_KIND[kind].columns}:
        key = None
    if key is None or row.has(key) or row.action == CREATE:
        row.refuse(key, message)
        return
    # The file leaves this column out, so the value broken against is the stored one.
    header = C.BY_KIND[kind].column(key).zh
    row.refuse(
        None,
        _("%(message)s (%(column)s is %(value)s in Zaiti; the file does not have it.)")
        % {"message": message, "column": f"「{header}」", "value": _shown(row.target, field)},
    )


def _shown(instance: Model, field: str | None) -> str:
    value = getattr(instance, field or "", None)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "—" if value in (None, "") else str(value)


# --- CHECK constraints in Python -------------------------------------------------------------


def _passes(constraint: CheckConstraint, instance: Model) -> bool:
    try:
        return _truth(constraint.condition, instance) is not False
    except _Unknown:
        try:
            constraint.validate(type(instance), instance)
        except ValidationError:
            return False
        return True


def _truth(node: Q | tuple[str, Any], instance: Model) -> bool | None:
    """SQL's answer for one row: True, False, or None (unknown: a NULL took part)."""
    if isinstance(node, Q):
        answers = [_truth(child, instance) for child in node.children]
        if node.connector == Q.AND:
            answer = False if False in answers else (None if None in answers else True)
        else:
            answer = True if True in answers else (None if None in answers else False)
        return answer if answer is None or not node.negated else not answer
    if not isinstance(node, tuple):
        raise _Unknown
    lookup, expected = node
    name, _sep, op = lookup.partition("__")
    value = _value(instance, name)
    if op == "isnull":
        return (value is None) == bool(expected)
    if isinstance(expected, F):
        expected = _value(instance, expected.name)
    elif hasattr(expected, "resolve_expression"):
        raise _Unknown
    compare = _OPERATORS.get(op or "exact")
    if compare is None or "__" in op:
        raise _Unknown
    if value is None or expected is None:
        return None
    return compare(value, expected)


def _value(instance: Model, name: str) -> Any:
    try:
        field = instance._meta.get_field(name)
    except Exception as exc:
        raise _Unknown from exc
    return getattr(instance, field.attname)


def _fields_of(node: Q | tuple[str, Any]) -> Iterator[str]:
    if isinstance(node, Q):
        for child in node.children:
            yield from _fields_of(child)
    elif isinstance(node, tuple):
        yield node[0].partition("__")[0]
        if isinstance(node[1], F):
            yield node[1].name
