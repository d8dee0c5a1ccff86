"""Bundled models, loaded once per test session.

The first SmolLM2 load converts its GGUF into the attnlab cache (`$ATTNLAB_CACHE`, else the user
cache folder): ~20-30 s once per machine; later sessions load the cached copy in under a second.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def minilm():
    from attnlab.models.api import load

    return load("minilm")


@pytest.fixture(scope="session")
def smollm2():
    from attnlab.models.api import load

    return load("smollm2")


@pytest.fixture(scope="session")
def family_root(tmp_path_factory):
    """Where the tiny random models of tests/models/families.py are saved, once per session."""
    return tmp_path_factory.mktemp("families")


@pytest.fixture(scope="session")
def family_folder(family_root):
    """family_folder(name) -> the folder of that family's tiny model (built on first use)."""
    from .families import built

    return lambda name: built(name, family_root)
