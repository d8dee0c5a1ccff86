"""Analysis of traces: head statistics (streaming, for long inputs), rollout, explanations (ja/en)."""
