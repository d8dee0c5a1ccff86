"""The head atlas: every layer x head as one cell coloured by a row statistic (web app only: live).

Page tab (assets/views/rowatlas.js): the mean over query rows of one of the trace's row statistics
(`rowstats`: entropy, weight on the first token, mean distance, max weight), read from the server
(`/api/traces/<id>/stats`, streamed, so it works at any length); clicking a head opens it in the
deep zoom. The grid itself is assets/headgrid.js, shared with the page files' census tab (`atlas`).
"""

from __future__ import annotations

from ..base import View

VIEW = View(name="rowatlas", applies=lambda trace: trace.stages is None, live=True, scripts=("headgrid.js",),
            needs="a model trace (several layers and heads)")
