"""Real models: registry of bundled models, Hugging Face loading, the capture attention function, token display.

The only part of attnlab that imports `transformers`.
"""
