"""Packaging: the wheel carries the package, its schemas and py.typed, nothing of the tests, and it runs.

The wheel is built from a copy of the source (the shared tree stays clean), offline when the environment
has a recent setuptools, and installed into a fresh virtual environment that borrows the already installed
dependencies through a path entry, so no network is needed to check that `a2a` starts.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _can_build_offline() -> bool:
    try:
        major, minor = (int(x) for x in importlib.metadata.version("setuptools").split(".")[:2])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False
    if (major, minor) < (69, 0):
        return False
    try:
        importlib.metadata.version("wheel")
        return True
    except importlib.metadata.PackageNotFoundError:
        return (major, minor) >= (70, 1)  # bdist_wheel moved into setuptools


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "a2acli", src / "a2acli", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = work / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)]
    if _can_build_offline():
        cmd.append("--no-build-isolation")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and "--no-build-isolation" not in cmd and "Could not find a version" in proc.stderr:
        pytest.skip("building needs setuptools>=69 from the package index, which is unreachable")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("a2acli-*.whl"))
    assert len(wheels) == 1, wheels
    (work / "SOURCE").write_text(str(src))
    yield wheels[0]


def test_wheel_contents(wheel: Path) -> None:
    from a2acli import __version__

    assert wheel.name.startswith(f"a2acli-{__version__}-py3-none-any")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"a2acli", f"a2acli-{__version__}.dist-info"}, tops
    assert "a2acli/py.typed" in names
    assert "a2acli/__main__.py" in names and "a2acli/cli.py" in names
    assert not [n for n in names if "/tests/" in n or n.startswith(("tests/", "bench/")) or "conftest" in n]
    assert not [n for n in names if n.endswith((".pyc", ".env")) or "__pycache__" in n]
    # every schema the card validator ships travels with the wheel
    src = Path((wheel.parent.parent / "SOURCE").read_text())  # the copy it was built from (the tree moves)
    schemas = sorted(p.name for p in (src / "a2acli" / "cards" / "schemas").glob("*.json"))
    packed = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("a2acli/cards/schemas/") and n.endswith(".json"))
    assert packed == schemas
    # every module of the source tree is in the wheel
    modules = sorted(str(p.relative_to(src)) for p in (src / "a2acli").rglob("*.py") if "__pycache__" not in p.parts)
    assert sorted(n for n in names if n.endswith(".py")) == modules
    entry_points = zipfile.ZipFile(wheel).read(f"a2acli-{__version__}.dist-info/entry_points.txt").decode()
    assert "a2a = a2acli.cli:main" in entry_points and "a2acli = a2acli.cli:main" in entry_points
    metadata = zipfile.ZipFile(wheel).read(f"a2acli-{__version__}.dist-info/METADATA").decode()
    assert "Requires-Python: >=3.11" in metadata
    for dep in ("typer", "rich", "httpx", "httpx-sse", "a2a-sdk", "uvicorn"):
        assert f"Requires-Dist: {dep}" in metadata, dep


def test_wheel_installs_into_a_fresh_venv_and_runs(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # Dependencies come from the environment running the tests; a plain path entry does not run that
    # environment's .pth files, so an editable a2acli there cannot shadow the installed wheel.
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "zz_borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("A2ACLI_", "PYTHON"))}
    env["HOME"] = str(tmp_path)
    env["XDG_CONFIG_HOME"] = str(tmp_path / ".config")

    def a2a(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bindir / "a2a"), *args], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
        )

    from a2acli import __version__

    version = a2a("--version")
    assert (version.returncode, version.stdout) == (0, f"a2acli {__version__}\n"), version.stderr
    assert a2a("-v").stdout == version.stdout
    where = subprocess.run(
        [
            str(py),
            "-c",
            "import a2acli, importlib.resources as r; print(a2acli.__file__); "
            "print(r.files('a2acli').joinpath('py.typed').is_file())",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    lines = where.stdout.split()
    assert lines[0].startswith(str(venv)), where.stdout + where.stderr
    assert lines[1] == "True"
    completion = a2a("completion", "bash")
    assert completion.returncode == 0 and completion.stdout == (ROOT / "completions" / "a2a.bash").read_text()
    help_out = a2a("--help")
    assert help_out.returncode == 0 and "serve" in help_out.stdout


def test_ci_smoke_subset_names_real_test_files() -> None:
    """`.ci/run` runs a smoke subset on Python 3.12/3.13: a renamed test file must not drop out of it silently."""
    import re

    script = (ROOT / ".ci" / "run").read_text()
    match = re.search(r'SMOKE="([^"]+)"', script)
    assert match, "the smoke subset is defined in .ci/run"
    files = match.group(1).split()
    assert len(files) >= 5
    assert [f for f in files if not (ROOT / f).is_file()] == []
