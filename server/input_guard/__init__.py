"""Input no handler should ever see, refused before any handler runs (server/input_guard/guard.py)."""
