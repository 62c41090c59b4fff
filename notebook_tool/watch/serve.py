"""``guanxi serve``: the HTML view over HTTP, on 127.0.0.1 only, read only.

Built on :mod:`http.server`. Only GET and HEAD are answered (anything else is
405); a request names a page of :class:`~notebook_tool.render.html.Site` or
gets 404 — nothing is looked up on disk by the request's path, so there is no
directory listing and no path traversal (``/../`` and ``%2e%2e`` name no
page). The vault is re-read (through the cache, only changed files) at most
once every ``REFRESH_SECONDS`` when a request comes, and only the page asked
for is rendered, so 30,000 people cost one page per click.
"""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from notebook_tool.read.notes import notes_of
from notebook_tool.render.html import CSP, Site
from notebook_tool.store.incremental import cached_vault

HOST = "127.0.0.1"  # never another interface: the notebook is private
REFRESH_SECONDS = 2.0



class VaultSite:
    """The current site of a vault, refreshed on demand (thread-safe)."""

    def __init__(self, root: Path, today: dt.date | None, use_cache: bool) -> None:
        self.root, self.today, self.use_cache = root, today, use_cache
        self._lock = threading.Lock()
        self._site: Site | None = None
        self._at = 0.0

    def current(self) -> Site:
        with self._lock:
            now = time.monotonic()
            if self._site is None or now - self._at >= REFRESH_SECONDS:
                vault = cached_vault(self.root, use_cache=self.use_cache)
                day = self.today or dt.date.today()  # the real today moves on while serving
                self._site = Site(vault, day, lambda path: notes_of(self.root, path))
                self._at = now
            return self._site

    def page(self, url_path: str) -> bytes | None:
        path = unquote(urlsplit(url_path).path)
        rel = "index.html" if path in ("", "/") else path.lstrip("/")
        return self.current().render(rel)


def make_handler(site: VaultSite) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "guanxi"
        sys_version = ""

        def _send(self, head_only: bool) -> None:
            try:
                data = site.page(self.path)
            except Exception as exc:  # a vault read failed: say so, keep serving
                self._error(500, f"could not build the page: {exc}")
                return
            if data is None:
                self._error(404, "no such page")
                return
            self.send_response(200)
            self._headers("text/html; charset=utf-8", len(data))
            if not head_only:
                self.wfile.write(data)

        def _headers(self, ctype: str, length: int) -> None:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(length))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()

        def _error(self, code: int, message: str) -> None:
            data = f"{code} {message}\n".encode()
            self.send_response(code)
            if code == 405:
                self.send_header("Allow", "GET, HEAD")
            self._headers("text/plain; charset=utf-8", len(data))
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self) -> None:
            self._send(head_only=False)

        def do_HEAD(self) -> None:
            self._send(head_only=True)

        def _refuse(self) -> None:
            self._error(405, "read only: GET and HEAD only")

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the terminal shows where it serves, not every request

    return Handler


def make_server(root: Path, port: int, today: dt.date | None, use_cache: bool) -> http.server.ThreadingHTTPServer:
    """A server bound to 127.0.0.1:port (0 picks a free port), not yet serving."""
    return http.server.ThreadingHTTPServer((HOST, port), make_handler(VaultSite(root, today, use_cache)))


def serve_vault(root: Path, port: int, today: dt.date | None, use_cache: bool,
                announce: Callable[[str], None]) -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(root, port, today, use_cache)
    host, bound = server.server_address[:2]
    announce(f"http://{host!s}:{bound}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
