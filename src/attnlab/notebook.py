"""Notebooks (Jupyter, JupyterLab, VS Code, Colab): how a trace displays itself.

`display_html(trace)` is what `trace._repr_html_()` returns (the package root registers it): the
page in an `<iframe srcdoc>`, isolated from the notebook's own page (its CSS, its require.js, its
sanitisers). A trace too large for a page shows the reason (escaped) instead of a traceback.
"""

from __future__ import annotations

import html

from .errors import AttnlabError
from .html import render_page
from .trace import AttentionTrace


def notebook_html(page: str, *, height: int = 760) -> str:
    """The page inside an <iframe srcdoc>; the attribute is fully escaped."""
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width: 100%; height: {int(height)}px; '
        'border: 1px solid #ddd;" title="attnlab"></iframe>'
    )


def display_html(trace: AttentionTrace) -> str:
    """The notebook form of a trace: its page in a frame, or one escaped line saying why not."""
    try:
        return notebook_html(render_page(trace))
    except AttnlabError as e:
        return f"<pre>attnlab: {html.escape(str(e))}</pre>"
