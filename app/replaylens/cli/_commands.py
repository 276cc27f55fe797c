"""The list of subcommands. Each module has ``NAME``, ``add_parser(subparsers)`` and sets ``run`` as default."""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = ("open_cmd", "demo_cmd", "info", "heatmap", "convert", "analyze", "export_cmd", "clip", "report", "library",
            "compare", "funnel", "abtest", "comparison_report", "survey", "audit", "collect",
            "clicks", "bias")


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"replaylens.cli.{m}") for m in _MODULES]


def names() -> set[str]:
    return {m.NAME for m in modules()}
