"""The monthly meeting pack (民情分析会材料): its figures as of a moment, closed months kept as
they were, the printable page's data, its PDF and its XLSX appendix.

- `figures`: the pack as plain JSON-able data, the same shape whether computed now (the
  current month) or read from a closed month; set-based queries only.
- `month_visits`, `follow_ups`, `checks`, `leaders`: its parts (a month's visits read once by
  date; open follow-ups from their own index; check states from the window that decides them).
- `as_of`: residents and households as they were at a moment, from the audit trail.
- `closing`: closing a month (idempotent, safe with two processes) and reading it back.
- `appendix` / `pdf`: the full lists as XLSX, the pack as a PDF (WeasyPrint).
The routes are in server/office/monthly.py, the page in web/templates/office/monthly.html.
"""
