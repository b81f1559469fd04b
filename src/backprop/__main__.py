"""``python -m backprop`` and the ``backprop`` command: ``main`` imports the CLI itself,
so a Ctrl-C while NumPy and matplotlib load ends in one line too, not a traceback."""

import os
import signal
import sys


def _interrupted_while_loading(signum: int, frame: object) -> None:
    # A handler, not an except: an interrupt that lands in an import's clean-up callback
    # would be printed as "Exception ignored" and lost. Nothing is written yet.
    sys.stderr.write("backprop: interrupted; nothing written\n")
    sys.stderr.flush()
    os._exit(130)


def main() -> int:
    loading = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if loading:  # not when SIGINT is ignored (a shell's background job)
        signal.signal(signal.SIGINT, _interrupted_while_loading)
    try:
        from .cli import main as cli_main
    finally:
        if loading:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return cli_main()
    except KeyboardInterrupt:  # between the import and the CLI's own handler
        print("backprop: interrupted; nothing written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
