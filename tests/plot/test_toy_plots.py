"""Figures: every toy figure draws, Japanese labels use a font that has their glyphs."""

import warnings

import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

import attnlab
from attnlab.plot._style import SIGNED_CMAP, WEIGHTS_CMAP, annot_size, figure_style
from attnlab.toy import ToySpec, run_seeds, run_toy

TRACE = run_toy()
MULTI = run_toy(ToySpec(tokens=("東京", "は", "美しい", "街", "です"), d_model=8, heads=2, causal=True))
FIGS = {
    "weights": lambda: attnlab.plot_weights(TRACE),
    "pipeline": lambda: attnlab.plot_pipeline(TRACE),
    "pipeline_qkv": lambda: attnlab.plot_pipeline_qkv(TRACE),
    "heads": lambda: attnlab.plot_heads(MULTI),
    "seeds": lambda: attnlab.plot_seeds(run_seeds(TRACE.spec, [0, 1, 42])),
    "multi_pipeline": lambda: attnlab.plot_pipeline(MULTI, head=1),
}


def render(fig: Figure, path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(path)
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("name", sorted(FIGS))
def test_figure_renders_without_missing_glyphs(name, tmp_path):
    fig = FIGS[name]()
    messages = render(fig, tmp_path / f"{name}.png")
    assert not [m for m in messages if "missing from font" in m], messages
    assert (tmp_path / f"{name}.png").stat().st_size > 5000
    japanese = [t for t in fig.findobj(lambda a: hasattr(a, "get_text"))
                if any("\u3040" <= c <= "\u9fff" for c in t.get_text())]
    assert japanese, "the default (ja) figures carry Japanese text"
    for t in japanese:
        assert font_manager.findfont(t.get_fontproperties()).endswith("ipaexg.ttf")


def test_the_glyph_check_catches_a_font_without_japanese(tmp_path):
    """Negative control: the same label in DejaVu Sans alone does warn, so the check above can fail."""
    fig = Figure()
    fig.text(0.5, 0.5, "Query (注目側)", family="DejaVu Sans")
    assert any("missing from font" in m for m in render(fig, tmp_path / "control.png"))


def test_weights_heatmap_has_the_tutorials_look():
    fig = attnlab.plot_weights(TRACE)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "キー（参照側）" and ax.get_ylabel() == "クエリ（注目側）"
    assert ax.get_title() == "Self-Attention の重み行列"
    assert attnlab.plot_weights(TRACE, lang="en").axes[0].get_title() == "Self-Attention Weight Matrix"
    assert ax.images[0].get_cmap().name == WEIGHTS_CMAP
    cells = [t.get_text() for t in ax.texts]
    assert cells == [format(float(v), ".2f") for v in TRACE.stages.weights[0].flatten()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Tokyo", "is", "beautiful"]


def test_pipeline_panels_use_the_one_colour_language():
    """The tutorial's listing used four maps in one picture (YlGnBu, OrRd, Blues, Greens); now the signed
    panels share one diverging map and the weights the pages' sequential one (plot._style)."""
    fig = attnlab.plot_pipeline(TRACE, lang="en")
    maps = [ax.images[0].get_cmap().name for ax in fig.axes if ax.images]
    assert maps == [SIGNED_CMAP, SIGNED_CMAP, WEIGHTS_CMAP, SIGNED_CMAP]
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == ["Input token embeddings (x)", "Raw Attention Scores (QK^T / sqrt(d))",
                      "Normalized Attention Weights", "Output representations"]


def test_annotations_switch_off_for_big_matrices():
    assert annot_size(3, 3) is not None and annot_size(40, 40) is None
    big = run_toy(ToySpec(tokens=tuple(f"t{i}" for i in range(40)), d_model=8))
    assert len(attnlab.plot_weights(big).axes[0].texts) == 0
    with figure_style():
        pass  # usable standalone, restores rcParams
    import matplotlib

    assert "IPAexGothic" not in matplotlib.rcParams["font.family"]  # the user's settings are untouched


def test_repeated_tokens_are_labelled_by_position():
    tr = run_toy(ToySpec(tokens=("the", "cat", "the"), d_model=4))
    labels = [t.get_text() for t in attnlab.plot_weights(tr).axes[0].get_yticklabels()]
    assert labels == ["0:the", "1:cat", "2:the"]


def test_causal_cells_are_drawn_masked_not_as_zero():
    fig = attnlab.plot_weights(run_toy(ToySpec(causal=True)))
    arr = fig.axes[0].images[0].get_array()
    assert arr.mask.tolist() == [[False, True, True], [False, False, True], [False, False, False]]


def test_returned_figures_display_inline_in_ipython_without_pyplot():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    fig = attnlab.plot_weights(TRACE)  # registers the PNG formatter when a shell is running
    data, _ = shell.display_formatter.format(fig)
    assert data["image/png"][:4] in (b"\x89PNG", "iVBO")  # raw bytes or base64
