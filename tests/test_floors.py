"""The floors contract of `make lint` catches an import that points up (run on a small tree of its own)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _floors() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "floors"]
    return {"root_packages": config["root_packages"], "layers": contract["layers"]}


def _lint(tree: Path, floors: dict) -> subprocess.CompletedProcess[str]:
    packages = ", ".join(f'"{name}"' for name in floors["root_packages"])
    layers = ", ".join(f'"{name}"' for name in floors["layers"])
    config = tree / "importlinter.toml"
    config.write_text(
        f"[tool.importlinter]\nroot_packages = [{packages}]\n\n"
        f'[[tool.importlinter.contracts]]\nid = "floors"\nname = "Floors"\ntype = "layers"\nlayers = [{layers}]\n',
        encoding="utf-8",
    )
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """One empty package per floor, each importing the one below it, as the real ones may."""
    floors = _floors()["layers"]
    for upper, lower in zip(floors, [*floors[1:], None], strict=True):
        package = tmp_path / upper
        package.mkdir()
        (package / "__init__.py").write_text(f"import {lower}\n" if lower else "", encoding="utf-8")
    return tmp_path


def test_the_floors_are_every_top_level_package_in_one_order():
    floors = _floors()
    assert floors["layers"] == floors["root_packages"]
    expected = ["fluxx", "telephony", "reporting", "billing", "volunteers", "casework", "messaging", "core"]
    assert floors["layers"] == expected
    on_disk = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert on_disk == set(floors["root_packages"]), "a new top-level package needs its floor in pyproject.toml"


def test_imports_that_point_down_keep_the_contract(tree):
    result = _lint(tree, _floors())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_an_import_that_points_up_breaks_the_contract(tree):
    (tree / "core" / "wrong.py").write_text("import casework\n", encoding="utf-8")
    result = _lint(tree, _floors())
    assert result.returncode == 1
    assert "core is not allowed to import casework" in result.stdout
    assert "core.wrong -> casework" in result.stdout
