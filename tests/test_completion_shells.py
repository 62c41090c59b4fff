"""Completion of names in real shells: bash (and zsh, fish when installed), driven through tmux.

A name must arrive as ONE argument: `guanxi show mar<Tab><Enter>` runs `show` for Mary O'Brien
(before the fix bash inserted `Mary O'Brien` raw and waited at its `>` prompt for the quote).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli

BIN = Path(sys.executable).parent
GUANXI = shutil.which("guanxi", path=str(BIN)) or shutil.which("guanxi")
needs_guanxi = pytest.mark.skipif(GUANXI is None, reason="the guanxi script is not installed")


@pytest.fixture
def people(tmp_path: Path) -> Path:
    root = tmp_path / "v"
    assert run_cli("init", str(root)).exit_code == 0
    for name in ("Alice Chen", "Alice Wong", "Mary O'Brien", "Bob"):
        assert run_cli("--vault", str(root), "add", name).exit_code == 0
    (root / "people" / "Bob.md").write_text("---\naliases: [Robert Smith-Jones]\n---\n")
    return root


def _env(root: Path, **extra: str) -> dict[str, str]:
    assert GUANXI is not None
    return {**os.environ, "PATH": f"{Path(GUANXI).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "GUANXI_VAULT": str(root), **extra}


@needs_guanxi
@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completion_function_returns_escaped_words(people: Path) -> None:
    """Source the script, set COMP_WORDS as bash would, and read COMPREPLY back."""
    script = r"""
eval "$(_GUANXI_COMPLETE=bash_source guanxi)"
ask() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _guanxi_completion guanxi;
        printf '[%s]' "${COMPREPLY[@]}"; echo; }
ask guanxi show mar
ask guanxi show al
ask guanxi give robert
ask guanxi show '"Mar'
ask guanxi touch bob zzz
"""
    out = subprocess.run(["bash", "--norc", "-c", script], env=_env(people), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        r"[Mary\ O\'Brien]",
        r"[Alice\ Chen][Alice\ Wong]",
        r"[Robert\ Smith-Jones]",
        "[Mary O'Brien]",  # inside the quote the user opened, the name goes as typed
        "[]",
    ]


def _tmux_session(shell_cmd: str, env: dict[str, str], cwd: Path) -> str:
    name = f"guanxi-test-{os.getpid()}-{time.monotonic_ns()}"
    subprocess.run(["tmux", "-L", name, "new-session", "-d", "-s", "t", "-x", "200", "-y", "50", shell_cmd],
                   env=env, cwd=cwd, check=True)
    return name


def _wait_for(server: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = subprocess.run(["tmux", "-L", server, "capture-pane", "-p", "-t", "t"],
                                capture_output=True, text=True).stdout
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; screen:\n{screen}")


SHELLS = {
    "bash": ("bash --norc --noprofile -i", "rc.bash",
             "PS1='READY$ '\neval \"$(_GUANXI_COMPLETE=bash_source guanxi)\"\n"),
    "zsh": ("zsh -f -i", "rc.zsh",
            "PS1='READY$ '\nautoload -Uz compinit && compinit -u -d {dir}/zcompdump\n"
            "eval \"$(_GUANXI_COMPLETE=zsh_source guanxi)\"\n"),
    "fish": ("fish --no-config -i", "rc.fish",
             "function fish_prompt; echo 'READY$ '; end\n_GUANXI_COMPLETE=fish_source guanxi | source\n"),
}


@needs_guanxi
@pytest.mark.skipif(shutil.which("tmux") is None, reason="no tmux")
@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_tab_then_enter_in_a_real_shell_runs_show_for_that_one_person(people: Path, tmp_path: Path,
                                                                      shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    command, rc_name, rc = SHELLS[shell]
    rc_file = tmp_path / rc_name
    rc_file.write_text(rc.format(dir=tmp_path))
    server = _tmux_session(command, _env(people, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path)), tmp_path)
    try:
        # Load the completion script in the running interactive shell (no user rc files).
        subprocess.run(["tmux", "-L", server, "send-keys", "-t", "t", f"source {rc_file}", "Enter"], check=True)
        _wait_for(server, "\nREADY$")
        for typed, shown in (("guanxi show mar", "people/Mary O'Brien.md"),
                             ("guanxi show robert", "people/Bob.md")):
            subprocess.run(["tmux", "-L", server, "send-keys", "-t", "t", typed, "Tab"], check=True)
            time.sleep(1.0)  # the completion runs guanxi; then Enter runs the completed line
            subprocess.run(["tmux", "-L", server, "send-keys", "-t", "t", "Enter"], check=True)
            screen = _wait_for(server, shown)
            assert "unexpected extra argument" not in screen and "Got unexpected" not in screen
    finally:
        subprocess.run(["tmux", "-L", server, "kill-server"], capture_output=True)
