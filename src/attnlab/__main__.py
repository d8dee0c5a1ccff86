"""`python -m attnlab` runs the CLI."""

from attnlab.cli import run

run()
