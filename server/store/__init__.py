"""The database half that is not one feature's: how SQLite writes begin, the lock migrations take,
and whether the store's migrations match the code (server/db.py wires them together)."""
