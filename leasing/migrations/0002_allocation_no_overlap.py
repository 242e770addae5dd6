"""On PostgreSQL, make double allocation impossible in the database itself.

An exclusion constraint (btree_gist) refuses two occupying allocations of one
unit whose half-open date ranges overlap. Cancelled rows are left out: they
never occupied anything. SQLite has no exclusion constraints; there the
services check the rule inside a serialised (BEGIN IMMEDIATE) transaction, so
this migration does nothing on other databases.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE leasing_allocation
  ADD CONSTRAINT allocation_no_overlap
  EXCLUDE USING gist (unit_id WITH =, daterange("start", "end", '[)') WITH &&)
  WHERE (state <> 'cancelled')
"""
DROP = "ALTER TABLE leasing_allocation DROP CONSTRAINT IF EXISTS allocation_no_overlap"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("leasing", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
