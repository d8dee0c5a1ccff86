"""The package version (its own module so that any layer can read it without importing the package root)."""

__version__ = "0.2.0"  # 0.2: trace package, head effects, why/flow/steps; prev_token leaves out byte pieces
