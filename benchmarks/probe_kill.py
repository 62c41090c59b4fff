"""SIGKILL probe: `guanxi touch a b c` killed at random moments never leaves a batch half-done.

Each round starts ``guanxi touch Ann Bo Cy "exchange N"`` as a real process
and SIGKILLs it after a random delay (some rounds finish first). Then, as the
next command would, the interrupted batch is recovered
(:func:`notebook_tool.write.writer.recover`) and the vault is inspected:

- half files: a contact file that no longer parses;
- partial batches: an exchange present in some of the three files but not all;
- lost entries: an exchange whose command exited 0 but is missing from a file;
- stray temp files: Guanxi temporary files that ``git add -A`` would pick up.

Run: ``python -m benchmarks.probe_kill [--kills 500]``; prints one line of counts.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NAMES = ("Ann", "Bo", "Cy")


@dataclass
class Counts:
    kills: int = 0
    finished: int = 0
    half_files: int = 0
    partial_batches: int = 0
    lost_entries: int = 0
    stray_temps: int = 0
    recovered: int = 0

    def line(self) -> str:
        return (f"kills={self.kills} finished={self.finished} recovered_batches={self.recovered} "
                f"half_files={self.half_files} partial_batches={self.partial_batches} "
                f"lost_entries={self.lost_entries} stray_temps={self.stray_temps}")


def make_vault(root: Path) -> None:
    env = quiet_git_env()
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=env)
    subprocess.run([sys.executable, "-m", "notebook_tool", "init", str(root)], check=True,
                   capture_output=True, env=env)
    for name in NAMES:
        (root / "people" / f"{name}.md").write_text(f"---\nemail: {name.lower()}@example.org\ntouch:\n---\nNotes.\n")


def quiet_git_env() -> dict[str, str]:
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "p", "GIT_AUTHOR_EMAIL": "p@x",
            "GIT_COMMITTER_NAME": "p", "GIT_COMMITTER_EMAIL": "p@x"}


def run(kills: int, seed: int = 1, max_delay: float = 0.6) -> Counts:
    from notebook_tool.read.parse import parse_contact
    from notebook_tool.write.fsio import TMP_SUFFIX
    from notebook_tool.write.writer import recover

    rnd = random.Random(seed)
    counts = Counts()
    with tempfile.TemporaryDirectory(prefix="guanxi-probe-kill-") as tmp:
        root = Path(tmp) / "v"
        make_vault(root)
        done: list[str] = []
        n = 0
        while counts.kills < kills:
            n += 1
            text = f"exchange {n}"
            proc = subprocess.Popen([sys.executable, "-m", "notebook_tool", "--vault", str(root), "touch",
                                     *NAMES, text, "--date", "2025-01-01"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.05, max_delay))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                counts.kills += 1
            if proc.wait() == 0:
                counts.finished += 1
                done.append(text)
            if recover(root):  # what the next command does first
                counts.recovered += 1
            texts = []
            for name in NAMES:
                res = parse_contact((root / "people" / f"{name}.md").read_bytes(), f"people/{name}.md")
                if res.contact is None:
                    counts.half_files += 1
                    texts.append(set())
                    continue
                texts.append({e.text for e in res.contact.entries})
            if len({text in t for t in texts}) > 1:
                counts.partial_batches += 1
        final = texts
        counts.lost_entries = sum(1 for text in done for t in final if text not in t)
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-uall"], capture_output=True,
                                text=True, env=quiet_git_env()).stdout
        counts.stray_temps = sum(1 for line in status.splitlines() if line.endswith(TMP_SUFFIX))
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(run(args.kills, args.seed).line())


if __name__ == "__main__":
    main()
