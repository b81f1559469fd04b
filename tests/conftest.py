"""Fixtures shared by the playground's test files."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest

from backprop.play import make_server
from backprop.play.server import PlayServer


@contextlib.contextmanager
def _serving(host: str = "127.0.0.1") -> Iterator[PlayServer]:
    """``backprop play``'s server on ``host``, port 0, in a thread; shut down on exit."""
    srv = make_server(host, 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()


@pytest.fixture(scope="session")
def serving():
    """``with serving(host) as srv``: a server of the test's own (see ``_serving``)."""
    return _serving
