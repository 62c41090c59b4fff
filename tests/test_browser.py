"""The HTML view in a real headless Chromium: pages load, links work, a hostile vault runs no script.

A control page whose script does run proves the marker would be seen; the
hostile site is also loaded with its Content-Security-Policy stripped, so
the sanitising alone (not only the CSP) is shown to stop every script.
Skips, saying why, only where no Chromium can be found.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import run_cli

HOSTILE = Path(__file__).parent / "golden_html" / "small" / "vault"
BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on PATH (Debian: apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=1500"]
MARKER = "PWNED"


def chromium(tmp: Path, *args: str) -> str:
    assert BROWSER is not None
    r = subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                       capture_output=True, text=True, timeout=90, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    root = tmp / "vault"
    shutil.copytree(HOSTILE, root)
    out = tmp / "site"
    assert run_cli("--vault", str(root), "html", str(out), "--today", "2025-06-01").exit_code == 0
    return out


def test_the_marker_is_seen_when_a_script_does_run(tmp_path: Path) -> None:
    page = tmp_path / "control.html"
    page.write_text(f"<html><head><title>x</title></head><body><script>document.title='{MARKER}'</script></body></html>")
    assert f"<title>{MARKER}</title>" in chromium(tmp_path, "--dump-dom", page.as_uri())


def test_pages_load_and_links_between_them_work(site: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", (site / "index.html").as_uri())
    assert "<title>Attention · Guanxi</title>" in dom and "Who needs attention" in dom
    hrefs = [unquote(h) for h in re.findall(r'href="([^"#]+)"', dom) if not h.startswith(("http", "mailto:"))]
    assert "person/people/Eve.html" in hrefs and "reciprocity.html" in hrefs
    for h in hrefs:
        assert (site / h).is_file(), h
    # Follow one link the browser itself resolved: Ann's page, then back to the index from there.
    ann = chromium(tmp_path, "--dump-dom", (site / "person/people/Ann Lee.html").as_uri())
    assert "<h1>Ann Lee</h1>" in ann and 'href="../../index.html"' in ann
    assert "<table>" in ann  # her Markdown notes, rendered


@pytest.mark.parametrize("strip_csp", [False, True])
def test_a_hostile_vault_runs_no_script(site: Path, tmp_path: Path, strip_csp: bool) -> None:
    page = site / "person/people/Eve.html"
    if strip_csp:  # the sanitising alone must hold
        data = re.sub(rb'<meta http-equiv="Content-Security-Policy"[^>]*>\n', b"", page.read_bytes())
        page = tmp_path / "Eve.html"
        page.write_bytes(data)
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert "<title>" in dom and f"<title>{MARKER}</title>" not in dom
    assert "<h2>Notes</h2>" in dom


def test_phone_width_screenshot(site: Path, tmp_path: Path) -> None:
    shot = tmp_path / "phone.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=390,844", "--hide-scrollbars",
             (site / "person/people/Ann Lee.html").as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (390, 844)
    keep = os.environ.get("GUANXI_SCREENSHOT")  # set it to a path to look at the page yourself
    if keep:
        shutil.copy(shot, keep)
