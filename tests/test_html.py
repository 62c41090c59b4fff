"""The HTML view: golden site, sanitising, where the site may be written, and the server."""

from __future__ import annotations

import http.client
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from notebook_tool.render.html import sanitize
from notebook_tool.watch.serve import make_server
from tests.conftest import run_cli

GOLDEN = Path(__file__).parent / "golden_html"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "vault").is_dir())
UPDATE = os.environ.get("GUANXI_UPDATE_GOLDEN") == "1"
HOSTILE = GOLDEN / "small" / "vault"


def site_of(out: Path) -> dict[str, bytes]:
    # .guanxi/ is the vault's machine-local cache, not content
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".guanxi" not in p.relative_to(out).parts}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A copy of the hostile vault (the CLI writes its cache into a vault: never into tests/)."""
    root = tmp_path / "hostile"
    shutil.copytree(HOSTILE, root)
    return root


@pytest.mark.parametrize("case", CASES)
def test_golden_site(case: str, tmp_path: Path) -> None:
    src = GOLDEN / case
    root = tmp_path / "vault"
    shutil.copytree(src / "vault", root)
    today = (src / "today").read_text().strip()
    out = tmp_path / "site"
    r = run_cli("--vault", str(root), "html", str(out), "--today", today)
    assert r.exit_code == 0, r.output
    got = site_of(out)
    expected_dir = src / "expected"
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir)
    assert got == site_of(expected_dir)
    again = run_cli("--vault", str(root), "html", str(out), "--today", today)
    assert again.exit_code == 0 and site_of(out) == got  # deterministic, and a re-run is allowed


def test_hostile_vault_leaves_nothing_that_could_run(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run_cli("--vault", str(hostile), "html", str(out), "--today", "2025-06-01").exit_code == 0
    for rel, data in site_of(out).items():
        text = data.decode("utf-8").lower()
        assert "<script" not in text, rel
        for bad in ("onerror=", "onload=", "onmouseover=", "<iframe", "<svg", "<form", 'href="javascript:',
                    'href="data:', "<style>body{display:none}", "srcdoc"):
            # escaped text (&lt;svg onload=…) is shown as text, never parsed as markup
            assert bad not in _markup(text), (rel, bad)


def _markup(text: str) -> str:
    """The document with escaped text removed: what a browser would parse as tags and attributes."""
    import re

    return re.sub(r"&lt;[^<]*", "", text)


def test_sanitize_drops_script_handlers_and_bad_urls() -> None:
    dirty = ('<p onclick="x()">hi<script>alert(1)</script><a href="javascript:alert(1)">j</a>'
             '<a href="https://ok.example/">ok</a><img src=x onerror=alert(1)></p>')
    assert sanitize(dirty) == ('<p>hi<a rel="noopener noreferrer">j</a>'
                               '<a href="https://ok.example/" rel="noopener noreferrer">ok</a><img src="x"></p>')


def test_links_between_pages_resolve(hostile: Path, tmp_path: Path) -> None:
    import re
    from urllib.parse import unquote

    out = tmp_path / "site"
    assert run_cli("--vault", str(hostile), "html", str(out), "--today", "2025-06-01").exit_code == 0
    seen = 0
    for page in out.rglob("*.html"):
        for href in re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8")):
            if href.startswith(("https://", "http://", "mailto:")):
                continue
            assert (page.parent / unquote(href)).resolve().is_file(), (page, href)
            seen += 1
    assert seen >= 10


@pytest.mark.parametrize("where", ["people", "people/site", ".git/site", "."])
def test_site_is_refused_inside_contacts_git_or_the_vault(where: str, tmp_path: Path) -> None:
    root = tmp_path / "v"
    shutil.copytree(HOSTILE, root)
    (root / ".git").mkdir()
    before = site_of(root)
    r = run_cli("--vault", str(root), "html", str(root / where), "--today", "2025-06-01")
    assert r.exit_code == 1
    assert r.stderr.startswith("guanxi: refusing to write the site")
    assert site_of(root) == before


def test_a_folder_of_other_files_is_refused_and_stale_pages_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "v"
    shutil.copytree(HOSTILE, root)
    other = tmp_path / "docs"
    other.mkdir()
    (other / "mine.txt").write_text("keep")
    r = run_cli("--vault", str(root), "html", str(other), "--today", "2025-06-01")
    assert r.exit_code == 1 and "did not write" in r.stderr
    assert sorted(p.name for p in other.iterdir()) == ["mine.txt"]
    out = tmp_path / "site"
    assert run_cli("--vault", str(root), "html", str(out), "--today", "2025-06-01").exit_code == 0
    assert (out / "person/people/Eve.html").is_file()
    (root / "people/Eve.md").unlink()
    r = run_cli("--vault", str(root), "html", str(out), "--today", "2025-06-01")
    assert r.exit_code == 0, r.output
    assert not (out / "person/people/Eve.html").exists()
    assert (out / "person/people/Ann Lee.html").is_file()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    root = tmp_path_factory.mktemp("served") / "v"
    shutil.copytree(HOSTILE, root)
    import datetime as dt

    srv = make_server(root, 0, dt.date(2025, 6, 1), use_cache=False)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv.server_address[0], srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def _request(addr: tuple[str, int], method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(*addr, timeout=10)
    conn.request(method, path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def test_serve_answers_pages_only_on_loopback(server: tuple[str, int], hostile: Path, tmp_path: Path) -> None:
    assert server[0] == "127.0.0.1"
    status, headers, body = _request(server, "GET", "/")
    assert status == 200 and b"Who needs attention" in body
    assert "script-src" not in headers["content-security-policy"]
    assert headers["content-security-policy"].startswith("default-src 'none'")
    out = tmp_path / "site"
    run_cli("--vault", str(hostile), "html", str(out), "--today", "2025-06-01")
    assert body == (out / "index.html").read_bytes()  # the same pages as guanxi html
    status, _, body = _request(server, "GET", "/person/people/Ann%20Lee.html")
    assert status == 200 and body == (out / "person/people/Ann Lee.html").read_bytes()
    status, headers, body = _request(server, "HEAD", "/reciprocity.html")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


@pytest.mark.parametrize("path", ["/../guanxi.toml", "/%2e%2e/guanxi.toml", "/person/", "/person/people/",
                                  "/people/Eve.md", "/guanxi.toml", "//etc/passwd", "/person/people/Eve.md"])
def test_serve_lists_no_folder_and_reads_no_file_by_path(server: tuple[str, int], path: str) -> None:
    status, _, body = _request(server, "GET", path)
    assert status == 404 and body == b"404 no such page\n"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_serve_is_read_only(server: tuple[str, int], method: str) -> None:
    status, headers, _ = _request(server, method, "/")
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_html_help_and_bad_out(vault: Callable[..., Path], tmp_path: Path) -> None:
    root = vault({"people/A.md": "---\nemail: a@example.com\n---\n"})
    f = tmp_path / "file"
    f.write_text("x")
    r = run_cli("--vault", str(root), "html", str(f))
    assert r.exit_code == 1 and r.stderr == f"guanxi: {f} exists and is not a folder\n"
    assert run_cli("html", "--help").exit_code == 0
    assert run_cli("serve", "--help").exit_code == 0
