"""Editor-race probe: an editor saving by truncate-then-write beside a stream of `guanxi give`.

An editor process saves ``people/Ann.md`` over and over the way vim with
``backupcopy=yes`` and many IDEs do: it reads the file, then truncates it in
place and writes the new bytes in two parts with a pause between (the
half-written moment a reader can catch), each save adding a body line
``editor save N``. Meanwhile ``guanxi give Ann "give N"`` runs as real
processes, one after another. At the end:

- lost editor saves: an ``editor save N`` line missing from the final file
  (Guanxi replaced the file with an edit of bytes read before that save);
- lost gives: a give that exited 0 but is missing at the end. Guanxi never
  reports a write it did not leave in place, so these are the editor's own
  stale buffer: it read before Guanxi's replace and saved after it (as it
  would over any other tool's edit);
- half files: the final file does not parse; refused gives: exit 1 ("being saved").

Run: ``python -m benchmarks.probe_editor_race [--gives 100]``; prints one line of counts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

EDITOR = r"""
import os, sys, time, random
path, stop, log = sys.argv[1], sys.argv[2], sys.argv[3]
rnd = random.Random(7)
n = 0
with open(log, "w") as out:
    while not os.path.exists(stop):
        n += 1
        with open(path, "rb") as f:
            data = f.read()
        before = os.stat(path).st_ino
        new = data + b"editor save %d\n" % n
        with open(path, "r+b") as f:   # truncate-then-write into the same inode
            f.truncate(0)
            f.write(new[: len(new) // 2]); f.flush()
            time.sleep(0.002)
            f.write(new[len(new) // 2 :]); f.flush()
        out.write("%d %d\n" % (n, before)); out.flush()
        time.sleep(rnd.uniform(0.1, 0.4))  # ~1.6 saves per give, the pace of the issue's run
"""


@dataclass
class Counts:
    gives: int = 0
    refused: int = 0
    editor_saves: int = 0
    lost_editor_saves: int = 0
    lost_gives: int = 0
    half_files: int = 0

    def line(self) -> str:
        return (f"gives={self.gives} refused={self.refused} editor_saves={self.editor_saves} "
                f"lost_editor_saves={self.lost_editor_saves} lost_gives={self.lost_gives} "
                f"half_files={self.half_files}")


def run(gives: int) -> Counts:
    from notebook_tool.read.parse import parse_contact

    counts = Counts()
    with tempfile.TemporaryDirectory(prefix="guanxi-probe-editor-") as tmp:
        root = Path(tmp) / "v"
        (root / "people").mkdir(parents=True)
        (root / "guanxi.toml").write_text('contacts = ["people"]\n')
        f = root / "people" / "Ann.md"
        f.write_text("---\nemail: ann@example.org\ngive:\n---\nNotes.\n")
        stop, log = Path(tmp) / "stop", Path(tmp) / "editor.log"
        editor = subprocess.Popen([sys.executable, "-c", EDITOR, str(f), str(stop), str(log)])
        ok: list[str] = []
        try:
            for i in range(gives):
                text = f"give {i}"
                proc = subprocess.run([sys.executable, "-m", "notebook_tool", "--vault", str(root), "give", "Ann",
                                       text, "--date", "2025-01-01"], capture_output=True, text=True)
                counts.gives += 1
                if proc.returncode == 0:
                    ok.append(text)
                else:
                    counts.refused += 1
        finally:
            stop.touch()
            editor.wait()
        time.sleep(0.05)
        data = f.read_bytes()
        counts.editor_saves = len(log.read_text().splitlines())
        counts.lost_editor_saves = sum(1 for n in range(1, counts.editor_saves + 1)
                                       if b"editor save %d\n" % n not in data)
        res = parse_contact(data, "people/Ann.md")
        if res.contact is None:
            counts.half_files = 1
        else:
            have = {e.text for e in res.contact.entries}
            counts.lost_gives = sum(1 for t in ok if t not in have)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gives", type=int, default=100)
    args = ap.parse_args()
    print(run(args.gives).line())


if __name__ == "__main__":
    main()
