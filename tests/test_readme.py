"""The README's tour, followed literally in a real bash: every command in it succeeds.

The set-up commands (a fresh venv, `pip install .`) are run as written by `.ci/run` on a clean
clone; here, the tour's commands run one by one against the installed `guanxi`, in a fresh HOME.
Only `$EDITOR` (interactive), `guanxi watch` and `guanxi serve` (run until Ctrl-C) are left out; the user's
LinkedIn export that `guanxi import linkedin` reads is given (one person).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

GUANXI = shutil.which("guanxi", path=str(Path(sys.executable).parent)) or shutil.which("guanxi")


def readme_block(section: str, n: int = 0) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```sh\n(.*?)```", body, re.S)
    return blocks[n]


def tour_commands() -> list[str]:
    out = []
    for line in readme_block("A tour").splitlines():
        command = re.split(r"\s+# ", line, maxsplit=1)[0].strip()  # drop the "   # comment"
        if command and not command.startswith("$EDITOR") and command not in ("guanxi watch", "guanxi serve"):
            out.append(command)
    return out


def test_the_tour_is_the_commands_a_new_user_types() -> None:
    commands = tour_commands()
    assert commands[:3] == ["git init ~/network", "guanxi init ~/network", "cd ~/network"]
    assert any(c.startswith('guanxi add "Bob Smith"') for c in commands)  # `bob` exists before it is used
    assert commands.index("guanxi history alice") > commands.index('git add -A && git commit -m "My network"')


@pytest.mark.skipif(GUANXI is None or shutil.which("git") is None, reason="needs the guanxi script and git")
def test_the_readme_tour_works_followed_literally(tmp_path: Path) -> None:
    assert GUANXI is not None
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PATH": f"{Path(GUANXI).parent}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "New User", "GIT_AUTHOR_EMAIL": "new@example.com",
           "GIT_COMMITTER_NAME": "New User", "GIT_COMMITTER_EMAIL": "new@example.com",
           "GUANXI_VAULT": "", "GIT_CONFIG_GLOBAL": str(home / ".gitconfig")}
    env.pop("GUANXI_VAULT")
    # The user's own LinkedIn export, which the tour's `guanxi import linkedin` reads.
    (home / "network").mkdir()
    (home / "network" / "Connections.csv").write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Dana,Wu,https://www.linkedin.com/in/dana,dana@x.example,Initech,CTO,01 Mar 2025\n")
    script = "set -e\ntrap 'echo \"FAILED: $BASH_COMMAND\" >&2' ERR\n" + "\n".join(
        f"echo '>>> {c}'\n{c}" for c in tour_commands())
    done = subprocess.run(["bash", "--norc", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    vault = home / "network"
    alice = (vault / "people" / "Alice Chen.md").read_text(encoding="utf-8")
    assert "Introduced her to [[Bob Smith]] +3" in alice and "[x] Send the hiring report" in alice
    assert "Lunch at the meetup" in (vault / "people" / "Bob Smith.md").read_text(encoding="utf-8")
    assert "New User" in done.stdout  # history names who committed each entry
    assert (vault / "_index" / "attention.md").is_file()
