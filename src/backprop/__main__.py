"""``python -m backprop`` and the ``backprop`` command: ``main`` imports the CLI itself,
so a Ctrl-C while NumPy and matplotlib load ends in one line too, not a traceback."""

import sys


def main() -> int:
    try:
        from .cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:  # before the CLI's own handler runs: nothing is written yet
        print("backprop: interrupted; nothing written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
