"""Friction findings of one session (the same definitions serve the library's per-session summaries)."""
