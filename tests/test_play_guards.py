"""backprop play's guards against other sites and hostile requests, each at its edge:
the Host check on a loopback server, an Origin that only starts like the server's own,
and the 413 reply that must close the connection so the rest of the body is no request."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from backprop.play import make_server
from backprop.play.api import BODY_BYTES


@pytest.fixture(scope="module")
def server():
    srv = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


def status(srv, method: str, headers: dict, body: bytes | None = None) -> int:
    port = srv.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    path = "/api/options" if method == "GET" else "/api/reset"
    conn.request(method, path, body, {"Host": f"127.0.0.1:{port}", **headers})
    r = conn.getresponse()
    r.read()
    conn.close()
    return r.status


@pytest.mark.parametrize("name", ["192.168.1.5", "10.0.0.1", "127.0.0.2", "[::2]", "0.0.0.0"])
def test_a_loopback_server_refuses_other_ip_addresses(server, name):
    """Only a server listening beyond the loopback (``--host``) takes any IP literal;
    on 127.0.0.1 an address of the LAN is refused like a DNS name."""
    port = server.server_address[1]
    assert status(server, "GET", {"Host": f"{name}:{port}"}) == 403
    assert status(server, "GET", {"Host": f"127.0.0.1:{port}"}) == 200
    assert status(server, "GET", {"Host": f"[::1]:{port}"}) == 200


def test_an_origin_that_only_starts_like_ours_is_refused(server):
    port = server.server_address[1]
    js = {"Content-Type": "application/json"}
    for origin in (
        f"http://127.0.0.1:{port}.evil.example",
        f"http://127.0.0.1:{port}0",
        f"http://127.0.0.1:{port}@evil.example",
        f"https://127.0.0.1:{port}",
    ):
        assert status(server, "POST", {**js, "Origin": origin}, b"{}") == 403, origin
    assert status(server, "POST", {**js, "Origin": f"http://127.0.0.1:{port}"}, b"{}") == 200


def _exchange(srv, payload: bytes) -> bytes:
    """Send ``payload`` on one connection, end our side, read every byte the server
    sends until it closes."""
    with socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=30) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except ConnectionResetError:
            pass  # a close with unread bytes is a reset: what came before counts
    return out


def test_a_request_hidden_in_an_oversized_body_is_not_answered(server):
    """The 413 ends the connection: the body is never read, so its bytes must not be
    taken as the next request (request smuggling)."""
    port = server.server_address[1]
    smuggled = f"GET /api/options HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    head = (
        f"POST /api/reset HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {BODY_BYTES + 1}\r\n\r\n"
    ).encode()
    reply = _exchange(server, head + smuggled)
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:80]
    assert reply.count(b"HTTP/1.1 ") == 1, reply
    body = reply.split(b"\r\n\r\n", 1)[1]
    assert "over 256 KiB" in json.loads(body)["error"]
    # the same smuggled bytes after a body of the size announced are a request
    fine = head.replace(str(BODY_BYTES + 1).encode(), b"2") + b"{}" + smuggled
    assert _exchange(server, fine).count(b"HTTP/1.1 200 ") == 2


@pytest.mark.parametrize(
    "listen, hosts",
    [
        ("localhost", {"192.168.1.5": 403, "127.0.0.1": 200, "localhost": 200}),
        ("0.0.0.0", {"192.168.1.5": 200, "[2001:db8::1]": 200, "evil.example": 403}),
    ],
)
def test_localhost_is_closed_and_an_open_server_takes_ipv6_literals(listen, hosts):
    """A server of its own (so its construction is part of the test): ``localhost`` is
    the loopback like 127.0.0.1; beyond it, an IPv6 literal comes in brackets."""
    srv = make_server(listen, 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        port = srv.server_address[1]
        for name, code in hosts.items():
            assert status(srv, "GET", {"Host": f"{name}:{port}"}) == code, name
        js = {"Content-Type": "application/json"}
        assert status(srv, "POST", js, b"{}") == 200  # the server has its sessions
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()
