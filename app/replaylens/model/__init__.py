"""Session model: the DuckDB store, columnar numpy arrays, the playback clock. No Qt."""
