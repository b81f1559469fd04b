"""The playground's HTTP server: the standard library's ``ThreadingHTTPServer``.

Safe by default: it listens on 127.0.0.1; answers only requests whose ``Host`` is the
address it listens on (a page of another site that rebinds its DNS name to 127.0.0.1
sends its own name; with ``--host``, any IP address and the port); takes a POST only
as JSON (a cross-site form cannot send that without CORS, which the server never
allows) whose ``Origin``, if any, is its own;
serves the files of ``static/`` from a list made at start, never a path from the URL;
and caps every body and parameter with a 4xx ``{"error": "<one line>"}``, the
standard library's own refusals (a bad request line, too many headers) included. A
refusal before the body is read closes the connection, so that the body is never
taken as the next request.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import threading
import time
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .api import BODY_BYTES, Api, ApiError, options
from .session import finite

STATIC_DIR = Path(__file__).parent / "static"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
DOWNLOADS = ("model.npz", "history.json", "points.csv")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
BODY_SECONDS = 10.0  # to send an announced body; then 408 (a stalled or short body)


def static_files() -> dict[str, Path]:
    """URL path → file, for the files shipped in ``static/`` (read once, at start)."""
    files = {"/" + p.name: p for p in sorted(STATIC_DIR.glob("*")) if p.suffix in TYPES}
    if "/index.html" in files:
        files["/"] = files["/index.html"]
    return files


def _ip_literal(host: str, server: PlayServer) -> bool:
    """``host`` is ``<an IP address>:<the server's port>`` (no DNS name)."""
    name, _, port = host.rpartition(":")
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return port == str(server.server_address[1])


class PlayServer(ThreadingHTTPServer):
    """Holds the ``Api`` (sessions), the static files and the names ``Host`` may carry."""

    daemon_threads = True  # a tab left open does not keep Ctrl-C waiting
    allow_reuse_address = True
    # The listen backlog (the standard library's is 5): a burst of connections waits
    # to be accepted instead of being reset.
    request_queue_size = 256

    def __init__(self, host: str, port: int) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET  # e.g. ::1
        super().__init__((host, port), Handler)
        self.api = Api()
        self.static = {k: (p.read_bytes(), TYPES[p.suffix]) for k, p in static_files().items()}
        port = self.server_address[1]
        names = (*LOOPBACK, host if ":" not in host else f"[{host}]")
        self.hosts = {f"{n}:{port}" for n in names}
        # Listening beyond the loopback (--host): the page is also reached by this
        # machine's address, which a DNS-rebinding page cannot send as its Host.
        self.open = host not in ("127.0.0.1", "localhost", "::1")

    @property
    def url(self) -> str:
        loopback = "[::1]" if self.address_family == socket.AF_INET6 else "127.0.0.1"
        return f"http://{loopback}:{self.server_address[1]}/"

    def handle_error(self, request, client_address) -> None:
        """A closed tab or a dropped connection is no error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    server: PlayServer
    server_version = "backprop-play"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes on a kept-alive connection: with Nagle's
    # algorithm the body waits for the client's delayed ACK (~40 ms a frame).
    disable_nagle_algorithm = True
    timeout = 30  # a client that stops sending mid-request frees its thread

    def log_message(self, format: str, *args) -> None:
        pass  # quiet: the terminal shows the URL and errors only

    def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.close_connection:
            self.send_header("Connection", "close")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: dict) -> None:
        self._send(status, json.dumps(finite(obj), allow_nan=False).encode(), "application/json")

    def _error(self, status: int, message: str, **extra) -> None:
        line = " ".join(str(message).split())  # one line
        self._json(status, {"error": line, **extra})

    def _host_ok(self) -> bool:
        host = self.headers.get("Host", "").lower()
        if host in self.server.hosts or (self.server.open and _ip_literal(host, self.server)):
            return True
        self.close_connection = True
        self._error(403, "this server answers requests to its own address only")
        return False

    def do_GET(self) -> None:
        if (
            self.headers.get("Content-Length", "0").strip() != "0"
            or "Transfer-Encoding" in self.headers
        ):
            self.close_connection = True  # a GET's body is never read: never a request
        if not self._host_ok():
            return
        url = urlsplit(self.path)
        if url.path in self.server.static:
            body, ctype = self.server.static[url.path]
            return self._send(200, body, ctype)
        if url.path == "/api/options":
            return self._json(200, options())
        name = url.path.removeprefix("/api/")
        if name in DOWNLOADS:
            sid = parse_qs(url.query).get("id", [""])[0]
            try:
                body, ctype = self.server.api.download(name, sid)
            except ApiError as e:
                return self._error(e.status, str(e))
            disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
            return self._send(200, body, ctype, disposition)
        self._error(404, f"no such page: {url.path[:80]}")

    do_HEAD = do_GET  # noqa: N815 (http.server's name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, headers, method) as JSON too."""
        self.close_connection = True
        self.request_version = self.protocol_version  # a status line even to a garbled line
        if code == HTTPStatus.NOT_IMPLEMENTED:  # a method other than GET, HEAD, POST
            code, message = 405, f"{str(self.command)[:20]!r} is not allowed; use GET or POST"
        self._error(code, message or HTTPStatus(code).phrase)

    def _refuse(self, status: int, message: str) -> None:
        """Refuse a POST whose body is unread: close, so it is not taken as a request."""
        self.close_connection = self.unread = True
        self._error(status, message)

    def _length(self) -> int | None:
        """The body's announced length, or None once refused."""
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") is not None or len(lengths) != 1:
            return self._refuse(411, "a POST needs one Content-Length (and no Transfer-Encoding)")
        text = lengths[0].strip()
        # headers are read as Latin-1, where "²" and "³" pass isdigit but not int
        if not (text.isascii() and text.isdigit()):
            return self._refuse(400, f"Content-Length must be a count of bytes, got {text[:20]!r}")
        if len(text) > 9 or int(text) > BODY_BYTES:
            return self._refuse(413, f"the request body is over {BODY_BYTES // 1024} KiB")
        return int(text)

    def _body(self, length: int) -> bytes | None:
        """The body's ``length`` bytes within ``BODY_SECONDS``, or None once refused."""
        deadline, chunks, got = time.monotonic() + BODY_SECONDS, [], 0
        try:
            while got < length:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.connection.settimeout(left)
                chunk = self.rfile.read1(length - got)
                if not chunk:  # the client closed its side: no one to answer
                    self.close_connection = True
                    return None
                chunks.append(chunk)
                got += len(chunk)
        except TimeoutError:
            return self._refuse(
                408, f"the request body did not arrive: {got} of {length} bytes announced"
            )
        finally:
            self.connection.settimeout(self.timeout)
        return b"".join(chunks)

    def do_POST(self) -> None:
        self.unread = True
        if not self._host_ok():
            return
        origin = self.headers.get("Origin")
        if origin is not None and origin.lower() != "http://" + self.headers["Host"].lower():
            return self._refuse(403, f"requests from {origin[:80]} are refused")
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return self._refuse(415, "send the request body as application/json")
        length = self._length()
        if length is None:
            return
        raw = self._body(length)
        if raw is None:
            return
        self.unread = False
        path = urlsplit(self.path).path
        if not path.startswith("/api/"):
            return self._error(404, f"no such endpoint: {path[:80]}")
        try:
            result = self.server.api.handle(path.removeprefix("/api/"), raw)
        except ApiError as e:
            return self._error(e.status, str(e), **e.extra)
        except (ValueError, TypeError) as e:
            return self._error(400, str(e))
        except Exception as e:  # a bug, not the request's fault: one line, not a traceback
            print(f"backprop play: error: {path[:80]}: {type(e).__name__}: {e}", file=sys.stderr)
            return self._error(500, f"the server failed on this request ({type(e).__name__})")
        self._json(200, result)

    def handle_one_request(self) -> None:
        self.unread = False
        try:
            super().handle_one_request()
            if self.unread:
                self._linger()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the page went away mid-answer: nothing to do

    def _linger(self) -> None:
        """Close after a refusal with the body unsent or unread: end our side, then read
        and drop what the client still sends for a moment, so that closing with unread
        data (a TCP reset) does not destroy the answer before the client reads it."""
        deadline = time.monotonic() + min(BODY_SECONDS, 2.0)
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(65536):
                    break
        except OSError:
            pass  # the client is gone or still sending: close now


def make_server(host: str = "127.0.0.1", port: int = 0) -> PlayServer:
    return PlayServer(host, port)


def serve(host: str | None = None, port: int = 8000, browser: bool = True) -> int:
    """``backprop play``: serve until Ctrl-C; open the page unless ``browser`` is False."""
    if host is not None and host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"backprop play: warning: listening on {host}: anyone who can reach this "
            "address can use the page and make this machine train",
            file=sys.stderr,
        )
    try:
        server = make_server(host or "127.0.0.1", port)
    except OSError as e:
        print(f"backprop play: error: cannot listen on port {port}: {e.strerror}", file=sys.stderr)
        return 2
    try:  # Ctrl-C: backprop.cli says so in one line
        print(f"backprop play: {server.url}  (Ctrl-C stops)", flush=True)
        if browser:
            threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0
