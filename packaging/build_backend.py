"""The wheel's build backend: setuptools, plus one build step that copies the top-level ``resources/`` into the
package as ``replaylens/assets/`` (where ``replaylens.assets`` looks in an installed wheel):

    resources/samples/nimbus-demo.rlsession -> replaylens/assets/samples/
    resources/icons/replaylens.svg          -> replaylens/assets/icons/
    resources/rrweb/*                       -> replaylens/assets/rrweb/   (fetched: bash packaging/fetch_rrweb.sh)

pyproject.toml names it (``backend-path = ["packaging"]``, ``[tool.setuptools.cmdclass]``), so ``pip wheel .``,
``pip install .`` and ``python -m build`` all carry the resources. An editable install copies nothing: the
checkout's ``resources/`` is found in place. The desktop entry and MIME description go into the Debian package
(``packaging/build.sh``), not the wheel.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.build_meta import *  # noqa: F403  (the PEP 517 hooks, unchanged)
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
#: (folder under resources/, file names or "*" for every file); all of them are required
CARRIED = (("samples", ("nimbus-demo.rlsession",)), ("icons", ("replaylens.svg",)),
           ("rrweb", ("rrweb.min.js", "style.css", "VERSION", "package.json")))


class BuildPyWithResources(build_py):
    """build_py, then ``resources/`` into ``<build_lib>/replaylens/assets/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dest = Path(self.build_lib) / "replaylens" / "assets"
        for folder, names in CARRIED:
            for name in names:
                src = RESOURCES / folder / name
                if not src.is_file():
                    hint = " (run: bash packaging/fetch_rrweb.sh)" if folder == "rrweb" else ""
                    raise SystemExit(f"build: {src.relative_to(ROOT)} is missing{hint}")
                (dest / folder).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest / folder / name)
