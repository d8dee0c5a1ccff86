"""Real models: bundled-model registry, Hugging Face loading, the capture attention function, tokens.

The only part of attnlab that imports `transformers`.
"""

import warnings


def _quiet_progress_import() -> None:
    """transformers imports `tqdm.auto`. In a Jupyter kernel without ipywidgets that import prints a
    red "IProgress not found" warning into the notebook, then uses tqdm's text bar anyway. Import it
    once here, before anything imports transformers, with that one warning silenced (Python caches
    the module, so no later import warns). Where ipywidgets is installed (Colab) nothing changes."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        try:
            import tqdm.auto  # noqa: F401
        except ImportError:  # no `models` extra: nothing will draw a bar (from_attentions needs no tqdm)
            return


_quiet_progress_import()
