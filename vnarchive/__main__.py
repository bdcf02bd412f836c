"""`python -m vnarchive` and the `vnarchive` command. A Ctrl-C while the command is still
loading (half a second of imports) ends it quietly with the interrupted exit code; from then on
the command's own handling takes over (vnarchive.cli.main)."""

import gc
import signal
import sys

EXIT_INTERRUPTED = 4


def run() -> int:
    signal.signal(signal.SIGINT, _interrupted_while_loading)
    from vnarchive.cli import main

    try:
        return main()
    finally:
        # The command is done and the process ends. The interpreter's last collections would
        # walk every object Scrapy, Twisted and the archive made (0.1 s of a ten-page crawl's
        # 0.8); frozen, they are skipped. Modules, files and connections are still torn down
        # and closed as before; only objects in reference cycles that nothing reaches are
        # left to the end of the process, which Python never promised to finalise either.
        gc.freeze()
        # A stop signal has nothing left to stop, and Python's teardown sets a handler of its
        # own back to the default: a Ctrl-C in the last milliseconds of a finished crawl ended
        # the process by the signal, silently, with -2 instead of the command's exit code.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)


def _interrupted_while_loading(_signum, _frame) -> None:
    print("vnarchive: interrupted while starting; nothing was done", file=sys.stderr)
    raise SystemExit(EXIT_INTERRUPTED)


if __name__ == "__main__":  # guarded: the process pool's spawned workers import this module
    sys.exit(run())
