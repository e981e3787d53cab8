"""The sync protocol in pure Python: record types, validation, idempotent apply (no Litestar)."""
