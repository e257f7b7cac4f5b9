"""`python -m govrules` runs the command-line interface."""

from govrules.cli import run

run()
