"""Bulk import of carriers, buildings, floors, units, companies and leases (docs/import.md).

reading.py   files (XLSX, CSV) -> tables of raw rows; bad files refused whole
columns.py   the format: sheets, columns, natural keys
cells.py     one cell -> a typed value, or why not
rows.py      rows parsed and checked on their own
planning.py  rows against the database: create, update, unchanged or refused
applying.py  a plan written in bulk, the ledger's guarantees kept
service.py   import_space(): dry run, or all or nothing in one transaction
report.py    counts and the row-by-row report
storage.py   an upload kept between its dry run and its confirmation
template.py  the downloadable template
"""
