"""Parsers for other tools' exports: LinkedIn and Google Contacts CSV, vCard.

Each parser turns one export file into plain :class:`~.rows.ImportRow` values,
each carrying the file and line it came from, and returns ``(rows, problems)``
like every other reader: a bad row is a :class:`Problem`, the rest still
import. Nothing here looks at the vault or decides anything; matching rows
to people is :mod:`notebook_tool.compute.importplan`.
"""
