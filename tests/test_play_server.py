"""backprop play's server against hostile requests, over real sockets to a server on
port 0 in a thread: each malformed request gets one 4xx ``{"error": ...}`` line, the
server stays up and prints no traceback; a burst of 200 connections is answered;
sessions are bounded by bytes, least recently used first; and the Host, Origin and 413
checks hold (each test here was seen to fail with its check loosened)."""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import time
from collections import Counter
from dataclasses import fields

import pytest

from backprop.play import api as api_module
from backprop.play import server as server_module
from backprop.play.session import Session
from backprop.play.state import State


@pytest.fixture
def server(serving):
    with serving() as srv:
        yield srv


class _Shared(io.BufferedReader):
    """One buffered reader across answers: a finished answer must not close it."""

    def close(self) -> None:
        pass


def exchange(
    srv, data: bytes, count: int | None = 1, wait: float = 60
) -> list[tuple[int, dict, bytes]]:
    """Send ``data`` on one connection, then read ``count`` answers (None: every answer
    until the server closes, or ``wait`` seconds pass without a byte):
    ``[(status, headers, body), ...]``."""
    with socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=wait) as s:
        s.sendall(data)
        answers = []
        reader = _Shared(socket.SocketIO(s, "rb"))
        while True:
            r = http.client.HTTPResponse(s)
            r.fp = reader  # one buffered reader across answers
            try:
                r.begin()
            except (http.client.RemoteDisconnected, TimeoutError, ConnectionError):
                return answers
            answers.append((r.status, dict(r.getheaders()), r.read()))
            if r.will_close or len(answers) == count:
                return answers


def post(srv, path: str, body: bytes, **headers: str) -> bytes:
    """A POST's bytes; ``headers`` override the defaults (None drops one)."""
    h = {
        "Host": f"127.0.0.1:{srv.server_address[1]}",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    head = "".join(f"{k}: {v}\r\n" for k, v in h.items() if v is not None)
    head = f"POST {path} HTTP/1.1\r\n{head}\r\n"
    # http.server reads headers as Latin-1: "²" arrives as itself, "١٢" as UTF-8 bytes
    return head.encode("latin-1" if head.isascii() or "²" in head else "utf-8") + body


def get(srv, path: str = "/api/options", host: str | None = None) -> bytes:
    host = host or f"127.0.0.1:{srv.server_address[1]}"
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


def refused(srv, data: bytes, status: int) -> str:
    """The one answer to ``data``: ``status``, a one-line JSON error; the connection
    closed; and the server still answers the next request."""
    answers = exchange(srv, data)
    assert [a[0] for a in answers] == [status], answers
    _, headers, body = answers[0]
    assert headers["Content-Type"] == "application/json" and b"\n" not in body
    reply = json.loads(body)
    assert list(reply) == ["error"] and reply["error"], reply
    assert exchange(srv, get(srv))[0][0] == 200
    return reply["error"]


def new_session(srv, **state) -> str:
    [(status, _, body)] = exchange(
        srv, post(srv, "/api/reset", json.dumps({"state": state}).encode())
    )
    assert status == 200, body
    return json.loads(body)["id"]


def step(srv, sid: str) -> tuple[int, dict]:
    [(status, _, body)] = exchange(srv, post(srv, "/api/step", json.dumps({"id": sid}).encode()))
    return status, json.loads(body)


DEEP = b"[" * 100_000 + b"]" * 100_000
# (name, request body or (body, headers), status, words of the error)
MALFORMED = [
    ("Arabic-Indic digits", (b"{}", {"Content-Length": "١٢"}), 400, "Content-Length must be"),
    ("superscript two", (b"{}", {"Content-Length": "²"}), 400, "got '²'"),
    ("negative length", (b"{}", {"Content-Length": "-2"}), 400, "count of bytes"),
    ("huge length", (b"{}", {"Content-Length": "9" * 5000}), 413, "over 256 KiB"),
    ("no length", (b"", {"Content-Length": None}), 411, "one Content-Length"),
    ("chunked", (b"", {"Content-Length": None, "Transfer-Encoding": "chunked"}), 411, "one"),
    ("100 000 nested", DEEP, 400, "over 64 deep"),
    ("65 nested in state", b'{"state": {"points": ' + b"[" * 63 + b"]" * 63 + b"}}", 400, "64"),
    ("invalid UTF-8", b'{"id": "\xff\xfe"}', 400, "not UTF-8 (byte 8)"),
    ("not JSON", b"{nope", 400, "not JSON (Expecting property name"),
    ("5000 digits", b'{"state": {"n": ' + b"9" * 5000 + b"}}", 400, "a number too long"),
    ("an array", b"[1, 2]", 400, "must be a JSON object, got array"),
    ("unknown key", b'{"state": {}, "lrr": 1}', 400, "unknown key 'lrr' in /api/reset"),
    ("unknown state key", b'{"state": {"lrr": 1}}', 400, "in state; did you mean 'lr'?"),
    ("state a list", b'{"state": []}', 400, "state must be an object, got array"),
    ("lr a string", b'{"state": {"lr": "fast"}}', 400, "lr must be a number, got 'fast'"),
    ("hidden a string", b'{"state": {"hidden": "16"}}', 400, "hidden must be 1 to 6 whole"),
    ("seeds a float", b'{"state": {"seeds": 2.5}}', 400, "seeds must be a whole number"),
    ("id a number", b'{"id": 5}', 400, "id must be a string, got number"),
]
STEP = [  # the same against /api/step (its id checked after its keys)
    ("no id", b'{"epochs": 1}', 400, "/api/step needs 'id'"),
    ("epochs a string", b'{"id": "x", "epochs": "5"}', 400, "epochs must be a whole number"),
    ("epochs null", b'{"id": "x", "epochs": null}', 400, "epochs must be a whole number"),
    ("unknown id", b'{"id": "x"}', 404, "unknown session"),
    ("csv a number", b'{"csv": 3}', 400, "csv must be a string"),  # sent to /api/csv
]


@pytest.mark.parametrize("name, request_, status, words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_post_gets_one_json_line(server, capfd, name, request_, status, words):
    body, headers = request_ if isinstance(request_, tuple) else (request_, {})
    assert words in refused(server, post(server, "/api/reset", body, **headers), status)
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("name, body, status, words", STEP, ids=[m[0] for m in STEP])
def test_a_malformed_step_gets_one_json_line(server, capfd, name, body, status, words):
    path = "/api/csv" if name.startswith("csv") else "/api/step"
    assert words in refused(server, post(server, path, body), status)
    assert "Traceback" not in capfd.readouterr().err


def test_a_body_shorter_than_announced_gets_408(server, monkeypatch):
    monkeypatch.setattr(server_module, "BODY_SECONDS", 0.2)
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=30) as s:
        s.sendall(post(server, "/api/reset", b'{"state": {}}', Content_Length="100"))
        r = http.client.HTTPResponse(s)
        r.begin()  # the client keeps the connection open, sending nothing more
        assert r.status == 408 and "13 of 100 bytes" in json.loads(r.read())["error"]
    assert exchange(server, get(server))[0][0] == 200


def test_http_servers_own_refusals_are_json_too(server):
    assert "'PUT' is not allowed" in refused(server, b"PUT / HTTP/1.1\r\n\r\n", 405)
    assert refused(server, b"GARBAGE\r\n\r\n", 400)
    assert refused(server, b"GET / HTTP/9.9\r\n\r\n", 505)
    long_header = b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n"
    assert refused(server, long_header, 431)
    many = b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * 101 + b"\r\n"
    assert refused(server, many, 431)


@pytest.mark.parametrize(
    "field",
    [f.name for f in fields(State)],
)
def test_any_json_value_in_any_state_field_is_answered(server, capfd, field):
    """No value of any field ends in a 500 or a traceback: 200, or one 4xx line."""
    values = [None, True, "x", -1, 0.5, 10**30, 1e308, [], [[[]]], {}, {"a": [1]}, [1, "a"]]
    values += [[[0, 0, 1], [1, 1, "0"]], [[0, 0, 1], [1, 1]], {"momentum": "x"}]
    values += [{"betas": [1]}, {"betas": "ab"}, {"eps": None}, [16] * 3]
    for value in values:
        body = json.dumps({"state": {field: value, "seeds": 2, "grid": 8}}).encode()
        [(status, _, data)] = exchange(server, post(server, "/api/reset", body))
        assert status == 200 or 400 <= status < 500, (field, value, data)
        assert status == 200 or list(json.loads(data)) == ["error"]
    assert "Traceback" not in capfd.readouterr().err


def test_a_burst_of_200_connections_is_answered(server):
    """Each of 200 threads connects at the same moment: every one gets an answer."""
    start, results = threading.Barrier(200), []

    def one(i: int) -> None:
        start.wait()
        data = get(server) if i % 2 else post(server, "/api/csv", b'{"csv": "0,0,1\\n1,1,0"}')
        try:
            answers = exchange(server, data, wait=30)
        except OSError as e:  # connect() refused or reset
            answers = [(type(e).__name__,)]
        results.append(answers[0][0] if answers else "no answer (reset)")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(200) == 200, Counter(results)


def test_the_413_answer_closes_the_connection(server):
    """A request hidden where the oversized body would be is never answered."""
    smuggled = get(server)
    data = post(server, "/api/reset", smuggled, Content_Length=str(1 << 20))
    assert [a[0] for a in exchange(server, data, count=None, wait=5)] == [413]


def test_only_loopback_names_with_the_port_are_a_host(server):
    port = server.server_address[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert exchange(server, get(server, host=host))[0][0] == 200, host
    for host in (f"10.1.2.3:{port}", f"192.168.1.5:{port}", f"[::2]:{port}", f"0.0.0.0:{port}"):
        assert "its own address" in refused(server, get(server, host=host), 403), host
    for host in ("127.0.0.1", "localhost:1", f"127.0.0.2:{port}", f"evil.example:{port}"):
        assert refused(server, get(server, host=host), 403), host


def test_the_origin_must_be_the_servers_own_exactly(server):
    port = server.server_address[1]
    for origin in (
        f"http://127.0.0.1:{port}.evil.example",
        f"http://127.0.0.1:{port}0",
        f"http://127.0.0.1:{port}@evil.example",
        f"https://127.0.0.1:{port}",
    ):
        assert "refused" in refused(server, post(server, "/api/csv", b"{}", Origin=origin), 403)
    body = b'{"csv": "0,0,1\\n1,1,0"}'
    ok = exchange(server, post(server, "/api/csv", body, Origin=f"http://127.0.0.1:{port}"))
    assert ok[0][0] == 200


# ------------------------------------------------------------------------------ sessions


def test_a_session_holds_no_grid_sized_arrays_between_requests():
    """The grid's forward pass leaves K × grid² × units caches: the frame drops them."""
    session = Session(State.from_dict({"seeds": 8, "hidden": [16], "grid": 128}))
    session.frame(reset=True)
    params = sum(p.data.nbytes + p.grad.nbytes for p in session.run.model.parameters())
    assert params < session.nbytes() < 8 * 128 * 128 * 8  # less than one seed's grid


def test_resets_of_one_client_keep_anothers_page(server):
    """No count of sessions: 20 new runs leave an earlier page's run alive."""
    mine = new_session(server)
    for _ in range(20):
        new_session(server, seeds=1)
    assert step(server, mine)[0] == 200


def test_over_the_budget_the_least_recently_used_go_first(server, monkeypatch):
    a, b, c = (new_session(server) for _ in range(3))
    assert step(server, a)[0] == 200  # a is now more recent than b and c
    sizes = server.api.bytes
    monkeypatch.setattr(api_module, "SESSION_BYTES", sizes[a] + sizes[b] + sizes[c])
    d = new_session(server)
    status, reply = step(server, b)
    assert status == 410 and "dropped to free the server's memory" in reply["error"]
    assert [step(server, s)[0] for s in (a, c, d)] == [200] * 3
    assert step(server, "never-made")[0] == 404


def test_the_session_answering_is_never_dropped(server, monkeypatch):
    monkeypatch.setattr(api_module, "SESSION_BYTES", 1)
    a = new_session(server)
    b = new_session(server)
    assert step(server, b)[0] == 200 and step(server, a)[0] == 410
    assert list(server.api.sessions) == [b]


def test_the_page_starts_a_dropped_run_again_once(server, monkeypatch):
    """In Chromium: a page whose run was dropped (410) resets into a new session; if
    that one is dropped too before a step succeeds, it shows the error instead of
    looping, and the Reset button recovers."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from benchmarks.play_browser import ARGS, chromium

    if chromium() is None:
        pytest.skip("no Chromium found on PATH (apt-get install -y chromium)")
    monkeypatch.setattr(api_module, "SESSION_BYTES", 1)  # each new run drops the others
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=ARGS)
        tab = browser.new_page()
        tab.set_default_timeout(60_000)
        tab.goto(server.url)
        tab.get_by_role("status").filter(has_text="Epoch 0").wait_for()
        first = tab.evaluate("window.__play.id")
        new_session(server, seeds=1)  # another client: the page's run is dropped
        tab.click("#step")
        tab.wait_for_function(f"window.__play.id && window.__play.id !== {first!r}")
        second = tab.evaluate("window.__play.id")
        assert second in server.api.sessions and tab.locator("#error").is_hidden()
        new_session(server, seeds=1)  # dropped again, before any step succeeded
        tab.click("#step")
        tab.locator("#error").filter(has_text="press Reset").wait_for()
        assert tab.evaluate("window.__play.id") == second  # no second reset: no loop
        tab.click("#reset")
        tab.wait_for_function(f"window.__play.id && window.__play.id !== {second!r}")
        tab.click("#step")
        tab.get_by_role("status").filter(has_text="Epoch 1").wait_for()
        assert tab.locator("#error").is_hidden()
        browser.close()


def test_a_request_inside_a_gets_body_is_never_answered(server):
    data = get(server).replace(b"\r\n\r\n", b"\r\nContent-Length: 60\r\n\r\n") + get(server)
    assert [a[0] for a in exchange(server, data, count=None, wait=5)] == [200]


def test_plain_gets_share_one_connection(server):
    """A GET without a body keeps the connection open (keep-alive): both are answered."""
    assert [a[0] for a in exchange(server, get(server) + get(server), count=None, wait=5)] == [
        200,
        200,
    ]


def test_an_ipv6_loopback_is_served(serving):
    """``--host ::1`` listens on IPv6 (it was refused: the server bound IPv4 only)."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as e:  # a machine without IPv6
        pytest.skip(f"no IPv6 loopback here: {e}")
    with serving("::1") as srv:
        port = srv.server_address[1]
        assert srv.url == f"http://[::1]:{port}/"
        with socket.create_connection(("::1", port), timeout=30) as s:
            s.sendall(f"GET /api/options HTTP/1.1\r\nHost: [::1]:{port}\r\n\r\n".encode())
            assert s.recv(12).endswith(b" 200")


@pytest.mark.parametrize(
    "listen, hosts",
    [
        ("localhost", {"192.168.1.5": 403, "127.0.0.1": 200, "localhost": 200}),
        ("0.0.0.0", {"192.168.1.5": 200, "[2001:db8::1]": 200, "evil.example": 403}),
    ],
)
def test_localhost_is_closed_and_an_open_server_takes_ipv6_literals(serving, listen, hosts):
    """``localhost`` is the loopback like 127.0.0.1; beyond it (``--host 0.0.0.0``) any
    IP literal is a Host, an IPv6 one in brackets; a DNS name never is."""
    with serving(listen) as srv:
        port = srv.server_address[1]
        for name, code in hosts.items():
            status = exchange(srv, get(srv, host=f"{name}:{port}"))[0][0]
            assert status == code, name


def test_a_body_in_two_parts_is_read_to_its_length_and_no_further(server):
    """A body sent in two parts (the second with the next request right behind it) is
    read to its announced length: both requests are answered."""
    body = json.dumps({"state": {"seeds": 1}}).encode()
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=30) as s:
        first = post(server, "/api/reset", body)
        s.sendall(first[: len(first) - 10])
        time.sleep(0.3)  # the server has read the first part
        s.sendall(first[-10:] + get(server))
        s.shutdown(socket.SHUT_WR)
        reader = _Shared(socket.SocketIO(s, "rb"))
        statuses = []
        for _ in range(3):
            r = http.client.HTTPResponse(s)
            r.fp = reader
            try:
                r.begin()
            except (http.client.RemoteDisconnected, ConnectionError):
                break
            r.read()
            statuses.append(r.status)
    assert statuses == [200, 200]


def test_posts_share_one_connection_and_answers_say_no_store_and_nosniff(server):
    body = json.dumps({"state": {"seeds": 1}}).encode()
    data = post(server, "/api/reset", body) + post(server, "/api/reset", body)
    answers = exchange(server, data, count=None, wait=10)
    assert [a[0] for a in answers] == [200, 200]
    for _, headers, _ in answers:
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_refused_posts_unread_body_is_never_taken_for_a_request(server):
    """A POST refused before its body is read (a foreign Origin) closes the connection:
    a request hidden in that body is never answered."""
    hidden = get(server)
    data = post(server, "/api/reset", hidden, Origin="http://evil.example")
    assert [a[0] for a in exchange(server, data, count=None, wait=5)] == [403]


def test_an_unknown_endpoint_is_named_up_to_80_characters(server):
    path = "/" + "x" * 200
    message = refused(server, post(server, path, b"{}"), 404)
    assert f"no such endpoint: {path[:80]}" in message and path[:81] not in message


def test_an_idle_connection_after_a_post_is_closed_after_the_timeout(server, monkeypatch):
    """Reading a body shortens the socket's timeout; afterwards it is the handler's
    idle timeout again, so a client that goes quiet frees its thread."""
    monkeypatch.setattr(server_module.Handler, "timeout", 0.5)
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as s:
        s.sendall(post(server, "/api/reset", json.dumps({"state": {"seeds": 1}}).encode()))
        r = http.client.HTTPResponse(s)
        r.begin()
        r.read()
        assert r.status == 200
        assert s.recv(1) == b""  # closed by the server, long before our 10 s
