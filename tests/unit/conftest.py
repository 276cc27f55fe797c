"""Fixtures of the unit tests: demo bundles for the library tests (generated once per run)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo_bundles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Six demo bundles with segment attributes in their manifests (user_type, campaign, variant, device)."""
    from replaylens.demo.generate import generate

    out = tmp_path_factory.mktemp("library-demo")
    return [g.path for g in generate(out, sessions=6, rich=False)]
