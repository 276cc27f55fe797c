"""The store layer: every SQL string of the session library (DuckDB catalogue + partitioned Parquet) lives here,
behind named methods. ``duckdb`` is imported only here and in ``model.store`` (an import-linter contract)."""
