"""Real models: bundled-model registry, Hugging Face loading, the capture attention function, tokens.

The only part of attnlab that imports `transformers`.
"""
