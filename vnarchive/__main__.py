import sys

from vnarchive.cli import main

if __name__ == "__main__":  # guarded: the process pool's spawned workers import this module
    sys.exit(main())
