"""The public API: __all__ is complete and every name resolves; `import attnlab` stays light."""

import importlib
import subprocess
import sys

import attnlab


def test_all_names_resolve():
    for name in attnlab.__all__:
        assert getattr(attnlab, name) is not None, name


def test_import_is_light():
    code = "import attnlab, sys; attnlab.run_toy(); print('matplotlib' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_notebook_one_call_flow():
    trace = attnlab.run_toy(tokens="I love transformers so much".split(), d_model=8, heads=2)
    assert "Attention重み:" in str(trace) and repr(trace).startswith("ToyTrace(tokens=['I', 'love'")
    fig = attnlab.plot_heads(trace)
    assert hasattr(fig, "savefig") and len(fig.axes) >= 3


def test_no_exported_name_is_hidden_by_a_submodule():
    """`import attnlab.x` sets attnlab.x to the module: an exported function named x would be lost."""
    import pkgutil

    submodules = {m.name for m in pkgutil.iter_modules(attnlab.__path__)}
    assert not submodules & set(attnlab.__all__), submodules & set(attnlab.__all__)
    importlib.import_module("attnlab.reporting")  # what print(trace) imports
    assert callable(attnlab.report)


def test_a_trace_presents_itself_without_the_trace_layer_importing_views():
    code = ("import sys, attnlab.trace, attnlab.toy; "
            "print(any(m.startswith(('attnlab.html', 'attnlab.reporting', 'attnlab.views', 'attnlab.plot')) "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]
    trace = attnlab.run_toy()
    assert trace.to_dict()["weights"] and "<iframe" in trace._repr_html_()
def test_write_html_is_public_as_the_readme_shows(tmp_path):
    """README: attnlab.write_html(trace, "page.html"); the name resolves lazily to attnlab.html's."""
    from attnlab.html import write_html

    assert "write_html" in attnlab.__all__ and attnlab.write_html is write_html
    page = attnlab.write_html(attnlab.run_toy(), tmp_path / "page.html", lang="en")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
