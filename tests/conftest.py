"""Shared test helpers: a vault on disk from a dict, and the CLI under CliRunner."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from notebook_tool.cli.main import main

# Locally, hypothesis explores new examples on every run; in CI (CI=true) it
# replays a fixed sequence, so a landing never hinges on the luck of the draw.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_VAULT = REPO / "example-vault"


def write_vault(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files under ``root``; str values are dedented and written as UTF-8."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = textwrap.dedent(content).lstrip("\n").encode("utf-8")
        path.write_bytes(content)
    return root


@pytest.fixture(autouse=True)
def _private_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's store (XDG_CACHE_HOME) in a folder of its own: never the user's, never shared."""
    home = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user or system git config leaks in; commits have fixed identities (``usefixtures`` it)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var, value in (("NAME", "Ann"), ("EMAIL", "ann@example.org")):
        monkeypatch.setenv(f"GIT_AUTHOR_{var}", value)
        monkeypatch.setenv(f"GIT_COMMITTER_{var}", value)


@pytest.fixture
def vault(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """``vault({"people/A.md": "..."})`` → the vault's root folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_vault(tmp_path / "vault", files)

    return make


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Invoke ``guanxi ARGS`` in-process, stdout and stderr kept apart."""
    runner = CliRunner()
    return runner.invoke(main, list(args), input=input, env={"GUANXI_VAULT": "", **(env or {})},
                         catch_exceptions=False)
