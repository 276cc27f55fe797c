"""Values only: the imported session, its columnar arrays and manifest, annotations, settings, the playback clock.
No Qt, no analysis; imports nothing of ours but ``core`` and ``errors`` (an import-linter contract)."""
