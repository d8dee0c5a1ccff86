"""The names the head-effect methods go by: what the CLI offers before anything heavy is imported
(`attnlab --help` imports no torch), and what `analysis.effects` computes."""

METHODS = ("zero", "mean", "attribution", "dla", "patching")
EXACT = ("zero", "mean", "patching")  # one edited forward per head (batched)
BUDGET_S = 60.0  # by default the exact methods run when their estimated seconds fit this
MIN_GAP = 1e-4  # |clean - corrupted| metric below this: nothing for patching to recover
EDITS = ("all", "read")  # where a head is edited: every position, or where the chosen predictions are read
