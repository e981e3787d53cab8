"""The monthly meeting pack (民情分析会材料): its figures as of a moment, closed months kept as
they were, the printable page, its PDF and its XLSX appendix.

- `as_of`: residents and their care flags as they were at a moment, from the audit trail.
- `figures`: the pack as plain JSON-able data (the same shape whether computed now or read
  from a closed month), set-based queries only.
- `closing`: closing a month (idempotent, safe with two processes) and reading it back.
- `appendix` / `pdf`: the full lists as XLSX, the pack as a PDF.
"""
