"""``python -m backprop`` does what the ``backprop`` command does."""

import sys

from .cli import main

sys.exit(main())
