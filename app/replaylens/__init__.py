"""Replay Lens: desktop session replay, heatmaps and friction analysis.

Data flows one way: file -> ``io`` (importers) -> ``model`` (DuckDB store, numpy arrays, playback clock)
-> ``core`` (pure numpy kernels) -> ``ui`` (Qt) or ``export`` (files).
"""

__version__ = "0.1.0"
