"""The playground: ``backprop play`` serves a page that trains ``K`` seeds live.

``server`` (HTTP, the standard library's), ``api`` (the endpoints), ``session`` (one
page's run and its frames), ``state`` (the page's state, checked as the CLI checks),
``command`` (the ``backprop train`` line that reproduces a run) and ``static/`` (the
page). Imports lab, train, nn, optim and limits; only the CLI imports it.
"""

from .server import make_server, serve

__all__ = ["make_server", "serve"]
