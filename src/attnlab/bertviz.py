"""bertviz's two calls, drawn by attnlab: change `from bertviz import head_view` to `from attnlab import head_view`.

`head_view` and `model_view` take bertviz's arguments by bertviz's names (bertviz 1.4) and return what
displays in a notebook: the attention's page (`attnlab.from_attentions` -> `notebook.show`) opened on
the head view or the model view, with every other tab of the page beside it. No CDN, no require.js:
the page is self-contained and works offline.

What differs, said rather than hidden:
- `sentence_b_start`, `include_heads` and `display_mode` have no counterpart on the page (it shows
  every pair of positions and every head, in its own colours): given, they are accepted and a
  `BertvizArgumentWarning` says which one is not applied;
- `html_action="return"` gives a `StandalonePage` whose `.data` is the page's HTML (bertviz: an
  IPython HTML object, also read as `.data`);
- encoder-decoder attention (`encoder_attention`, `decoder_attention`, `cross_attention` with
  `encoder_tokens`, `decoder_tokens`) gives one page of all three parts, as bertviz's part menu does:
  a switch between the encoder's self-attention, the decoder's and cross-attention (target tokens on
  the left or as rows, source tokens on the right or as columns), opening on the encoder's, where
  `layer`, `heads` and `include_layers` apply (html/parts.py).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from .errors import AttnlabError
from .given import from_attentions
from .models.parts import EncoderDecoderTraces
from .notebook import Page, show
from .trace import AttentionTrace

HTML_ACTIONS = ("view", "return")


class BertvizArgumentWarning(UserWarning):
    """A bertviz argument the attnlab page has no counterpart for (it is not applied)."""


@dataclass(frozen=True)
class StandalonePage:
    """`html_action="return"`: the page as one HTML string, as bertviz's returned HTML object gives it."""

    data: str  # the whole self-contained page (write it to a .html file)
    page: Page  # the same page for a notebook: displaying this object shows it

    def _ipython_display_(self) -> None:
        self.page._ipython_display_()

    def _repr_html_(self) -> str:
        return self.page._repr_html_()


def head_view(attention: Any = None, tokens: Any = None, sentence_b_start: int | None = None,
              prettify_tokens: bool = True, layer: int | None = None, heads: list[int] | None = None,
              encoder_attention: Any = None, decoder_attention: Any = None, cross_attention: Any = None,
              encoder_tokens: Any = None, decoder_tokens: Any = None, include_layers: list[int] | None = None,
              html_action: str = "view", *, lang: str = "ja") -> Page | StandalonePage:
    """bertviz's head view on attnlab's page: one layer's heads, token to token (see the module docstring).

    Args are bertviz's; `layer` and `heads[0]` choose the (layer, head) the page opens on; `lang` is
    the page's language ("ja" or "en").
    """
    ignored = {"sentence_b_start": sentence_b_start}
    focus = (layer if layer is not None else (include_layers or [0])[0], heads[0] if heads else 0)
    return _view("headview", attention, tokens, prettify_tokens, [encoder_attention, decoder_attention,
                 cross_attention], encoder_tokens, decoder_tokens, include_layers, html_action, lang, focus, ignored)


def model_view(attention: Any = None, tokens: Any = None, sentence_b_start: int | None = None,
               prettify_tokens: bool = True, display_mode: str = "dark", encoder_attention: Any = None,
               decoder_attention: Any = None, cross_attention: Any = None, encoder_tokens: Any = None,
               decoder_tokens: Any = None, include_layers: list[int] | None = None,
               include_heads: list[int] | None = None, html_action: str = "view", *,
               lang: str = "ja") -> Page | StandalonePage:
    """bertviz's model view on attnlab's page: every layer and head at a glance (see the module docstring)."""
    ignored = {"sentence_b_start": sentence_b_start, "include_heads": include_heads,
               "display_mode": None if display_mode == "dark" else display_mode}
    focus = ((include_layers or [0])[0], 0)
    return _view("modelview", attention, tokens, prettify_tokens, [encoder_attention, decoder_attention,
                 cross_attention], encoder_tokens, decoder_tokens, include_layers, html_action, lang, focus, ignored)


def _view(view: str, attention: Any, tokens: Any, prettify: bool, parts: list[Any], encoder_tokens: Any,
          decoder_tokens: Any, include_layers: list[int] | None, html_action: str, lang: str,
          focus: tuple[int, int], ignored: dict[str, Any]) -> Page | StandalonePage:
    if html_action not in HTML_ACTIONS:
        raise AttnlabError(f"html_action {html_action!r}: choose one of {', '.join(HTML_ACTIONS)}")
    for name, value in ignored.items():
        if value is not None:
            warnings.warn(BertvizArgumentWarning(f"{name}={value!r} is not applied: attnlab's page has no "
                                                 "counterpart for it"), stacklevel=3)
    pretty = _pretty if prettify else _same
    result = from_attentions(attention, pretty(tokens), model="attention", encoder_attentions=parts[0],
                             decoder_attentions=parts[1], cross_attentions=parts[2],
                             encoder_tokens=pretty(encoder_tokens), decoder_tokens=pretty(decoder_tokens))
    layers = None if include_layers is None else [int(x) for x in include_layers]
    page = _page(result, view, lang, layers, focus)
    if html_action == "return":
        return StandalonePage(result.to_html(lang=lang, view=view, layers=layers, focus=page.focus, part=page.part),
                              page)
    return page


def _page(result: AttentionTrace | EncoderDecoderTraces, view: str, lang: str, layers: list[int] | None,
          focus: tuple[int, int]) -> Page:
    """The page, its layers and focus checked on the trace (an encoder-decoder: on the encoder, where it opens)."""
    pair = isinstance(result, EncoderDecoderTraces)
    opening = result.encoder if pair else result
    for i in layers or ():
        opening.check_layer_head(i, None)
    opening.check_layer_head(*focus)
    return show(result, lang=lang, view=view, layers=layers, focus=focus, part="encoder" if pair else None)


def _same(tokens: Any) -> Any:
    return tokens


def _pretty(tokens: Any) -> Any:
    """bertviz's prettify_tokens: byte-level BPE's 'Ġ' and SentencePiece's '▁' read as spaces, BPE's
    '</w>' dropped (the page then marks each space as '␣'); anything but a list of strings as given."""
    if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens):
        return tokens
    return [t.replace("Ġ", " ").replace("▁", " ").replace("</w>", "") for t in tokens]
