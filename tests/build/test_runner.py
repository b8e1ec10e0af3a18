"""The notebook runner: a kernel that died is told apart from one that could not start, a failed
notebook publishes nothing, run_name comes only from the runner, output is normalised."""
from __future__ import annotations

import pytest

from analysis.build import params as P
from analysis.build import runner

SOURCE = '''# %% tags=["parameters"]
x: int = 1

# %%
from pathlib import Path
from analysis.build.atomic import write_text
write_text(Path("{out}"), "new\\n")

# %%
{last}
'''


@pytest.fixture
def notebook(tmp_path, monkeypatch):
    monkeypatch.setitem(P.SPECS, "99_probe", {"x": P.Param(int, 1, "a probe", low=0, high=9)})

    def make(last: str):
        out = tmp_path / "written.txt"
        out.write_text("old\n")
        src = tmp_path / "99_probe.py"
        src.write_text(SOURCE.format(out=out, last=last))
        return src, out
    return make


def test_a_kernel_that_dies_is_reported_with_its_cell_and_exit_code_and_not_retried(notebook, tmp_path, capsys):
    src, out = notebook("import os; os._exit(3)")
    with pytest.raises(runner.RunnerError) as err:
        runner.execute(src, tmp_path / "nb" / "99_probe.ipynb")
    assert "the kernel died during cell 3 (exit code 3)" in str(err.value)
    assert "retrying" not in capsys.readouterr().err
    assert out.read_text() == "old\n"  # the file written before the death is not published
    assert not (tmp_path / "nb" / "99_probe.ipynb").exists()
    assert list(tmp_path.rglob("*.part")) == []


def test_a_kernel_that_cannot_start_is_retried_once_then_reported(notebook, tmp_path, capsys):
    src, out = notebook("x")
    with pytest.raises(runner.KernelStartError, match="could not be started after 2 attempts"):
        runner.execute(src, tmp_path / "nb" / "99_probe.ipynb", kernel_name="no-such-kernel")
    assert "retrying once" in capsys.readouterr().err
    assert out.read_text() == "old\n"


def test_a_failing_cell_publishes_nothing(notebook, tmp_path):
    src, out = notebook("raise ValueError('no')")
    with pytest.raises(runner.RunnerError, match="raised ValueError: no"):
        runner.execute(src, tmp_path / "nb" / "99_probe.ipynb", html=tmp_path / "nb" / "99_probe.html")
    assert out.read_text() == "old\n" and not (tmp_path / "nb").exists() or not any((tmp_path / "nb").iterdir())


def test_a_successful_notebook_publishes_everything(notebook, tmp_path, capfd):
    src, out = notebook("x * 2")
    written = runner.execute(src, tmp_path / "nb" / "99_probe.ipynb", {"x": 4}, html=tmp_path / "nb" / "99_probe.html")
    assert out.read_text() == "new\n"
    assert [p.name for p in written][-1] == "99_probe.ipynb" and len(written) == 3
    text = (tmp_path / "nb" / "99_probe.ipynb").read_text()
    assert '"text/plain": [\n       "8"' in text and "papermill" not in text
    assert "TCP" not in capfd.readouterr().err  # IPC kernels: no transport warning


def test_run_name_cannot_be_passed_as_a_parameter():
    with pytest.raises(P.ParameterError, match="set by the build"):
        runner.execute("notebooks/src/04_forecast_figures.py", "x.ipynb", {"run_name": ".."})


def test_normalise_strips_volatile_metadata():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 1}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nb.cells.append(nbformat.v4.new_code_cell("1", metadata={"papermill": {}, "execution": {}, "tags": []}))
    runner.normalise(nb)
    assert "papermill" not in nb.metadata and "version" not in nb.metadata["language_info"]
    assert nb.cells[0].id == "cell-00" and nb.cells[0].metadata == {}
