"""The public API: __all__ is complete and every name resolves; `import attnlab` stays light."""

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
