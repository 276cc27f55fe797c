"""The store layer: every SQL string lives here, behind named methods: the session library (DuckDB catalogue +
partitioned Parquet) and the one-session store the viewer reads (``store.session``). ``duckdb`` is imported only
here (an import-linter contract)."""
