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
    expected = [
        "fluxx", "telephony", "retention", "reporting", "billing", "volunteers", "casework", "messaging", "core",
    ]  # fmt: skip
    assert floors["layers"] == expected
    # The tests and the benchmarks (bench/, run by `make bench`) use the app; they are no floor of it.
    on_disk = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
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


# The roles contract (tools/roles.py), run by lint-imports on a small domain of its own.


def _roles_config(tree: Path) -> Path:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (roles,) = [c for c in config["contracts"] if c["id"] == "roles"]
    listed = ", ".join(f'"{role}"' for role in roles["roles"])
    path = tree / "importlinter.toml"
    path.write_text(
        '[tool.importlinter]\nroot_packages = ["domain"]\ninclude_external_packages = true\n'
        f"contract_types = {config['contract_types']!r}\n\n".replace("'", '"')
        + '[[tool.importlinter.contracts]]\nid = "roles"\nname = "Roles"\ntype = "roles"\ncontainers = ["domain"]\n'
        f"roles = [{listed}]\nweb = {roles['web']!r}\npure = {roles['pure']!r}\n".replace("'", '"')
        + 'broken_contract_guidance = "Name the file after its role."\n',
        encoding="utf-8",
    )
    return path


def _lint_roles(tree: Path) -> subprocess.CompletedProcess[str]:
    config = _roles_config(tree)
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"], cwd=tree,
        env={"PYTHONPATH": f"{tree}:{ROOT}", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def domain(tmp_path: Path) -> Path:
    """A domain with one capability whose modules import down the roles, as the real ones do."""
    package = tmp_path / "domain" / "things"
    package.mkdir(parents=True)
    (tmp_path / "domain" / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    modules = {
        "views": "import fastapi\nfrom domain.things import service, forms\n",
        "service": "from domain.things import models, rules\n",
        "forms": "from domain.things import rules\n",
        "models": "from domain.things import rules\n",
        "rules": "import datetime\n",
        "texts": "",
    }
    for name, source in modules.items():
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    (tmp_path / "fastapi").mkdir()
    (tmp_path / "fastapi" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "sqlalchemy").mkdir()
    (tmp_path / "sqlalchemy" / "__init__.py").write_text("", encoding="utf-8")
    return tmp_path


def test_modules_that_import_down_their_roles_keep_the_roles_contract(domain):
    result = _lint_roles(domain)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_a_model_importing_a_service_breaks_the_roles_contract(domain):
    (domain / "domain" / "things" / "models.py").write_text("from domain.things import service\n", encoding="utf-8")
    result = _lint_roles(domain)
    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert "domain.things.models (models) imports domain.things.service (service), which stands above it" in out
    assert "Name the file after its role." in out  # the guidance is shown


def test_a_module_without_a_role_breaks_the_roles_contract(domain):
    (domain / "domain" / "things" / "helpers.py").write_text("", encoding="utf-8")
    result = _lint_roles(domain)
    assert result.returncode == 1
    assert "domain.things.helpers has no role" in " ".join(result.stdout.split())


def test_a_rule_that_reads_the_database_breaks_the_roles_contract(domain):
    (domain / "domain" / "things" / "rules.py").write_text("import sqlalchemy\n", encoding="utf-8")
    result = _lint_roles(domain)
    assert result.returncode == 1
    assert "domain.things.rules (rules) must stay pure but imports sqlalchemy" in " ".join(result.stdout.split())


def test_a_service_that_imports_the_web_framework_breaks_the_roles_contract(domain):
    (domain / "domain" / "things" / "service.py").write_text("import fastapi\n", encoding="utf-8")
    result = _lint_roles(domain)
    assert result.returncode == 1
    assert "domain.things.service (service) imports the web framework (fastapi)" in " ".join(result.stdout.split())


def test_two_modules_of_one_role_importing_each_other_break_the_roles_contract(domain):
    other = domain / "domain" / "others"
    other.mkdir()
    (other / "__init__.py").write_text("", encoding="utf-8")
    (other / "service.py").write_text("from domain.things import service\n", encoding="utf-8")
    (domain / "domain" / "things" / "service.py").write_text("from domain.others import service\n", encoding="utf-8")
    result = _lint_roles(domain)
    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert "these modules import each other in a loop: domain.others.service, domain.things.service" in out


def test_models_naming_each_other_for_type_checking_only_are_no_loop(domain):
    things = domain / "domain" / "things"
    (things / "models.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from domain.things.other import models\n",
        encoding="utf-8",
    )
    (things / "other").mkdir()
    (things / "other" / "__init__.py").write_text("", encoding="utf-8")
    (things / "other" / "models.py").write_text("from domain.things import models\n", encoding="utf-8")
    result = _lint_roles(domain)
    assert result.returncode == 0, result.stdout + result.stderr
