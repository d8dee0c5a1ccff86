"""The package version (its own module so that any layer can read it without importing the package root)."""

__version__ = "0.2.0"  # 0.2: the trace package, head effects, why/flow/steps; the census's prev_token leaves out byte pieces
