"""``python -m explorer``: the command line (see ``explorer.cli``)."""

from explorer.cli import run_main

if __name__ == "__main__":
    run_main()
