"""The package's shape: which of our packages may import which, and what a wheel installs."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("transcripts", "audio", "aligner", "api")
# Each package and what of ours it may import; "cli" is podalign/*.py, the command root.
ALLOWED = {
    "transcripts": set(),
    "audio": set(),
    "aligner": {"audio", "transcripts"},
    "api": {"aligner", "audio", "transcripts"},
    "cli": {"aligner", "audio", "transcripts", "api"},
}
# Top-level names that were once our packages; importing them now means someone else's.
OLD_NAMES = set(PACKAGES)


def source_files() -> dict[str, list[Path]]:
    files = {name: sorted((ROOT / name).rglob("*.py")) for name in PACKAGES}
    files["cli"] = sorted((ROOT / "podalign").glob("*.py"))
    return files


def module_name(path: Path) -> str:
    """The installed name of a source file: aligner/cache.py -> podalign.aligner.cache."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["podalign", *parts] if parts[0] != "podalign" else parts)


def imported_modules(path: Path) -> list[str]:
    """Every module an import statement in the file names (absolute, with relative ones
    resolved), including imports inside functions."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            modules += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return modules


def our_package(module: str) -> str | None:
    """Which of our packages a module name belongs to, None for anything else."""
    parts = module.split(".")
    if parts[0] != "podalign" or len(parts) == 1:
        return None
    if parts[1] in PACKAGES:
        return parts[1]
    return "cli" if parts[1].startswith("cli") else None


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for package, paths in source_files().items():
        graph[package] = set()
        for path in paths:
            for module in imported_modules(path):
                found = our_package(module)
                if found is not None and found != package:
                    graph[package].add(found)
    return graph


def test_every_package_has_source_files():
    assert all(source_files().values())


def test_no_source_file_imports_our_packages_by_their_old_top_level_names():
    offenders = [
        f"{path.relative_to(ROOT)}: import {module}"
        for paths in source_files().values()
        for path in paths
        for module in imported_modules(path)
        if module.split(".")[0] in OLD_NAMES
    ]
    assert offenders == []


@pytest.mark.parametrize("package", list(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package: str):
    assert package_graph()[package] <= ALLOWED[package]


def test_the_packages_import_each_other_without_cycles():
    graph = package_graph()
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " -> ".join((*path, package))
        if package not in done:
            for imported in graph[package]:
                visit(imported, (*path, package))
            done.add(package)

    for package in graph:
        visit(package, ())


def test_imports_are_found_inside_functions_and_relative_ones_resolved(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    module = tmp_path / "audio" / "lazy.py"
    module.parent.mkdir()
    module.write_text(
        "from . import errors\nfrom .decode import x\n"
        "def f():\n    from podalign.api.storage import get_db\n"
    )

    assert set(imported_modules(module)) == {
        "podalign.audio",
        "podalign.audio.errors",
        "podalign.audio.decode",
        "podalign.audio.decode.x",
        "podalign.api.storage",
        "podalign.api.storage.get_db",
    }


def test_align_help_imports_no_web_side_and_no_whisper():
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "podalign.cli", "align", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage: podalign align" in proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "podalign.aligner" in imported  # the importtime report was read
    web = {name for name in imported if name.split(".")[0] in {"flask", "huey", "werkzeug"}}
    assert web == set()
    # A realignment from the cache needs no Whisper: faster-whisper loads on first use.
    whisper = {name for name in imported if name.split(".")[0] in {"faster_whisper", "av"}}
    assert whisper == set()


@pytest.mark.slow
def test_the_wheel_installs_everything_under_podalign(tmp_path: Path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in (*PACKAGES, "podalign"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr

    [wheel] = tmp_path.glob("podalign-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"podalign"}
    for package in (*PACKAGES, ""):
        assert f"podalign/{package}/__init__.py".replace("//", "/") in names
    assert "podalign/api/openapi.json" in names
    assert any(re.fullmatch(r"podalign/api/static/.+\.js", name) for name in names)
    assert any(name.startswith("podalign/api/templates/") for name in names)
