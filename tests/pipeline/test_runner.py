"""The notebook runner: a kernel that died is told apart from one that could not start, a failed
notebook publishes nothing, run_name comes only from the runner, output is normalised."""
from __future__ import annotations

import pytest

from analysis.pipeline import params as P
from analysis.pipeline import runner

SOURCE = '''# %% tags=["parameters"]
x: int = 1

# %%
from pathlib import Path
from analysis.base.atomic import write_text
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


def test_the_lines_a_notebook_prints_as_warnings_are_kept_for_the_terminal(notebook, tmp_path):
    src, _ = notebook('print("fine\\nwarning: series x passes its bound in 2030 (ratio 1.20)\\nwarning:no space")')
    runner.execute(src, tmp_path / "nb" / "99_probe.ipynb", {"x": 1})
    assert runner.LAST_WARNINGS == ["warning: series x passes its bound in 2030 (ratio 1.20)", "warning:no space"]
    src, _ = notebook('print("all fine")')
    runner.execute(src, tmp_path / "nb" / "99_probe.ipynb", {"x": 1})
    assert runner.LAST_WARNINGS == []


def test_run_name_cannot_be_passed_as_a_parameter():
    with pytest.raises(P.ParameterError, match="set by the build"):
        runner.execute("notebooks/src/05_forecast_figures.py", "x.ipynb", {"run_name": ".."})


def test_normalise_strips_volatile_metadata():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 1}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nb.cells.append(nbformat.v4.new_code_cell("1", metadata={"papermill": {}, "execution": {}, "tags": []}))
    runner.normalise(nb)
    assert "papermill" not in nb.metadata and "version" not in nb.metadata["language_info"]
    assert nb.cells[0].id == "cell-00" and nb.cells[0].metadata == {}


def test_normalise_merges_a_print_the_kernel_flushed_in_two_messages():
    """Under load, print("x") can reach the notebook as "x" then "\n": the same output, once
    merged (seen as a -j1 build whose 01_clean differed from a -j2 one by this split)."""
    import nbformat

    split = [nbformat.v4.new_output("stream", name="stdout", text="28 of 28 checks"),
             nbformat.v4.new_output("stream", name="stdout", text="\n"),
             nbformat.v4.new_output("stream", name="stderr", text="x\n"),
             nbformat.v4.new_output("stream", name="stdout", text="after\n")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print()", outputs=split)])
    runner.normalise(nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [
        ("stdout", "28 of 28 checks\n"), ("stderr", "x\n"), ("stdout", "after\n")]


# ----------------------------------------------------------------------------- no leftovers (issue 22)

def test_a_cell_that_runs_too_long_stops_the_step_in_one_line(notebook, tmp_path):
    src, out = notebook("import time; time.sleep(60)")
    with pytest.raises(runner.RunnerError) as err:
        runner.execute(src, tmp_path / "nb" / "99_probe.ipynb", timeout=2)
    message = str(err.value)
    assert "cell 3 ran longer than the cell timeout (2 s); set CELL_TIMEOUT=seconds to allow more" in message
    assert "\n" not in message and "could not be started" not in message  # not mistaken for a start failure
    assert out.read_text() == "old\n" and list(tmp_path.rglob("*.part")) == []


def test_staged_temporaries_belong_to_the_runner_not_the_kernel(notebook, tmp_path):
    """The kernel exits before the runner publishes: a temporary named after the kernel would look
    like a dead writer's leftover to any other writer's sweep."""
    src, out = notebook(f"import glob, os\nparts = glob.glob('{tmp_path}/.written.txt.*.part')\n"
                        "assert parts and all(f'.{os.getppid()}.' in p for p in parts), (parts, os.getpid())")
    runner.execute(src, tmp_path / "nb" / "99_probe.ipynb")  # the cell's assertion runs in the kernel
    assert out.read_text() == "new\n"


def test_the_kernel_gets_the_run_s_folders_and_a_fresh_cache_only_when_asked(notebook, tmp_path):
    check = ("from analysis.base import paths\n"
             "assert paths.PROCESSED == paths.RUNS / 'r1' / 'processed', paths.PROCESSED\n"
             "assert paths.DATAPACKAGE == paths.RUNS / 'r1' / 'datapackage.json'\n"
             "assert paths.CACHE.parent.name.startswith('suanli-stage-'), paths.CACHE")
    src, _ = notebook(check)
    runner.execute(src, tmp_path / "nb" / "99_probe.ipynb", run="r1", outputs_in_run=True, fresh=True)
    src, _ = notebook("from analysis.base import paths\nassert paths.PROCESSED.parent.name == 'data', paths.PROCESSED\n"
                      "assert paths.CACHE.name == 'cache' and paths.CACHE.parent.name == 'build', paths.CACHE")
    runner.execute(src, tmp_path / "nb2" / "99_probe.ipynb", run="r1")


def test_private_folders_of_dead_runners_are_swept_and_live_ones_kept(tmp_path, monkeypatch):
    import os
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = [tmp_path / "suanli-stage-999999999-abc", tmp_path / "suanli-sk-999999999-def"]
    alive = [tmp_path / f"suanli-stage-{os.getppid()}-abc", tmp_path / f"suanli-sk-{os.getppid()}-xyz"]
    other = [tmp_path / "suanli-stage-x-1", tmp_path / "someone-else-999999999"]
    for d in dead + alive + other:
        d.mkdir()
        (d / "ledger.tsv").write_text("x")
    assert sorted(runner.sweep_private_folders()) == sorted(dead)
    assert all(d.exists() for d in alive + other) and not any(d.exists() for d in dead)


_STOPPED = """
import os, signal, sys, time
from pathlib import Path
from analysis.pipeline import cli, params as P, runner
signal.signal(signal.SIGTERM, cli._on_sigterm)
P.SPECS["99_probe"] = {{"x": P.Param(int, 1, "a probe", low=0, high=9)}}
try:
    runner.execute(Path(sys.argv[1]), Path(sys.argv[2]))
except KeyboardInterrupt:
    sys.exit(143)
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_stopped_runner_removes_its_stage_and_socket_folders(notebook, tmp_path, sig):
    import os
    import signal
    import subprocess
    import sys
    import time

    private = tmp_path / "tmp"
    private.mkdir()
    marker = tmp_path / "started"
    src, out = notebook(f"from pathlib import Path; Path('{marker}').write_text('x')\nimport time; time.sleep(60)")
    env = {**os.environ, "TMPDIR": str(private)}
    proc = subprocess.Popen([sys.executable, "-c", _STOPPED.format(), str(src), str(tmp_path / "nb" / "99_probe.ipynb")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as at a terminal
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert marker.exists(), proc.communicate()[1][-2000:]
    from pathlib import Path

    def mine():  # its stage folder (in TMPDIR) and socket folder (there, or in /tmp when TMPDIR is long)
        names = (f"suanli-stage-{proc.pid}-", f"suanli-sk-{proc.pid}-")
        return sorted(p.name.split("-")[1] for base in (private, Path("/tmp")) for p in base.iterdir()
                      if p.name.startswith(names))

    assert mine() == ["sk", "stage"]  # it has its folders now
    proc.send_signal(getattr(signal, sig))
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert mine() == []
    assert out.read_text() == "old\n" and list(tmp_path.rglob("*.part")) == []


def test_a_runner_removes_every_private_folder_of_its_own_and_no_other(tmp_path, monkeypatch):
    """Whatever made them (a kernel manager stopped before it was recorded), a runner's own
    folders go when execute() ends; another live process's folders stay."""
    import os
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    own = [runner.private_folder(p) for p in (runner.STAGE_PREFIX, runner.SOCKET_PREFIX)]
    (own[1] / "kernel.json").write_text("{}")
    other = tmp_path / f"{runner.SOCKET_PREFIX}{os.getppid()}-x"
    other.mkdir()
    assert sorted(runner.remove_own_private_folders()) == sorted(own)
    assert not any(p.exists() for p in own) and other.is_dir()


@pytest.mark.parametrize("page", ["01_clean", "05_forecast_figures"])
def test_a_page_from_the_warmed_exporter_is_the_page_a_fresh_one_renders(page):
    """The runner readies its HTML exporter in a thread while the kernel runs; the committed
    page, rendered again with a warmed exporter (twice) and with a fresh one, is the same."""
    from pathlib import Path

    import nbformat

    repo = Path(__file__).resolve().parents[2]
    nb = nbformat.read(str(repo / "notebooks" / f"{page}.ipynb"), as_version=4)
    warm = runner.WarmExporter().get()
    assert warm is not None and warm.__class__.__name__ == "HTMLExporter"
    fresh = runner.render_html(nb, page)
    assert runner.render_html(nb, page, warm) == fresh == runner.render_html(nb, page, warm)
    assert fresh == (repo / "reports" / f"{page}.html").read_text(encoding="utf-8")


def test_a_failed_warm_up_falls_back_to_a_fresh_exporter(monkeypatch):
    calls = []

    def broken():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("no templates")
        return "fresh exporter"

    monkeypatch.setattr(runner, "_exporter", broken)
    assert runner.WarmExporter().get() == "fresh exporter" and len(calls) == 2


# ----------------------------------------------------------------------------- kernels started ahead (issue 31)

def test_a_kernel_started_ahead_gives_the_same_notebook_as_one_started_by_the_step(notebook, tmp_path):
    """The build hands a step a kernel it started while the step before ran: the executed
    notebook and what the kernel wrote are the same bytes, and the kernel is used (not discarded)."""
    src, out = notebook('print("warm or cold")\nx * 3')
    cold = tmp_path / "cold" / "99_probe.ipynb"
    runner.execute(src, cold, {"x": 2})
    out.write_text("old\n")
    warm = tmp_path / "warm" / "99_probe.ipynb"
    kernel = runner.Kernel("99_probe", warm).start()
    assert kernel.error is None and kernel.km.has_kernel and kernel in runner._LIVE
    runner.execute(src, warm, {"x": 2}, kernel=kernel)
    assert warm.read_bytes() == cold.read_bytes()
    assert out.read_text() == "new\n"
    assert kernel not in runner._LIVE and not kernel.stage_dir.exists()


def test_a_kernel_started_for_something_else_is_discarded_and_the_step_starts_its_own(notebook, tmp_path):
    """A kernel started for the default outputs is not used by a step that restores a figure (its
    figure cache must be an empty private one): it is stopped, its folders removed."""
    src, out = notebook("from analysis.base import paths\n"
                        "assert paths.CACHE.parent.name.startswith('suanli-stage-'), paths.CACHE")
    output = tmp_path / "nb" / "99_probe.ipynb"
    kernel = runner.Kernel("99_probe", output).start()
    process = kernel.km.provisioner.process
    runner.execute(src, output, fresh=True, kernel=kernel)  # the cell's assertion runs in the kernel
    assert process.poll() is not None  # the unfit kernel was stopped
    assert not kernel.stage_dir.exists() and kernel not in runner._LIVE
    assert out.read_text() == "new\n"


def _first_cell(name: str, code: str, tmp_path) -> tuple[dict, str]:
    """Run ``code`` as the first cell of a kernel started for step ``name``: its reply, and what it printed."""
    from jupyter_client import BlockingKernelClient

    seen: list[dict] = []
    kernel = runner.Kernel(name, tmp_path / "nb" / f"{name}.ipynb").start()
    try:
        client = BlockingKernelClient()
        client.load_connection_info(kernel.km.get_connection_info())
        client.start_channels()
        client.wait_for_ready(timeout=120)
        reply = client.execute_interactive(code, timeout=60, output_hook=seen.append)
        client.stop_channels()
    finally:
        kernel.discard()
    return reply, "".join(m["content"].get("text", "") for m in seen if m["msg_type"] == "stream")


def test_a_step_s_kernel_has_its_registry_modules_imported_before_its_first_cell(tmp_path):
    """The warm-up imports exactly the `analysis` modules the registry declares for the step, and
    takes no execution count (the notebook's first cell is still [1])."""
    from analysis.pipeline.registry import STEPS, module_name

    reply, printed = _first_cell("03_forecast", "import sys; print(sorted(m for m in sys.modules if m.startswith('analysis')))",
                                 tmp_path)
    assert reply["content"]["status"] == "ok" and reply["content"]["execution_count"] == 1
    imported = set(eval(printed))  # noqa: S307 (the kernel's own repr of a list of names)
    assert {module_name(m) for m in STEPS["03_forecast"].modules} <= imported
    assert "analysis.charts" not in imported  # 03 draws nothing: only its own modules are warmed


def test_a_figure_step_s_kernel_has_its_drawing_engine_started_before_its_first_cell(tmp_path):
    """A figure step's kernel also runs the drawing's warm-up (analysis.charts.machinery.warm: the
    fonts registered with vl-convert, its engine started, the font subsetter imported) as it starts,
    with no execution count and no output."""
    reply, printed = _first_cell("05_forecast_figures", "import sys; from analysis import fonts; "
                                 "print(fonts._registered is not None, 'fontTools.subset' in sys.modules)", tmp_path)
    assert reply["content"]["status"] == "ok" and reply["content"]["execution_count"] == 1
    assert printed == "True True\n"


class _Recorded:
    """A stand-in kernel manager: what :meth:`runner.Kernel.start` would start a kernel with."""

    ipykernel = True
    started: list[dict] = []

    def __init__(self, kernel_name):
        self.kernel_name = kernel_name

    async def start_kernel(self, **kw):
        type(self).started.append(kw)


def _started_with(monkeypatch, tmp_path, name: str, trace: str | None) -> dict:
    """The arguments and environment a kernel for step ``name`` gets with ``SUANLI_TRACE=trace``."""
    monkeypatch.setattr(runner, "_manager_class", lambda: _Recorded)
    if trace is None:
        monkeypatch.delenv("SUANLI_TRACE", raising=False)
    else:
        monkeypatch.setenv("SUANLI_TRACE", trace)
    _Recorded.started.clear()
    kernel = runner.Kernel(name, tmp_path / "nb" / f"{name}.ipynb").start()
    try:
        assert kernel.error is None, kernel.error
    finally:
        kernel.km = None  # nothing was started: nothing to stop
        kernel.discard()
    (started,) = _Recorded.started
    return started


def test_a_traced_kernel_starts_cold_and_traces_into_its_step_s_file_in_a_trace_folder(monkeypatch, tmp_path):
    """``SUANLI_TRACE`` set: no warm-up imports (the trace holds what the cells import, not the
    registry's declared modules); an absolute existing folder becomes ``<folder>/<step>.trace``,
    any other value is passed on as it is (a file, as the trace has always been); a notebook the
    registry does not know gets no trace at all from a folder (no name of the registry to give it)."""
    untraced = _started_with(monkeypatch, tmp_path, "03_forecast", None)
    assert any(a.startswith("--IPKernelApp.exec_lines=") for a in untraced["extra_arguments"])
    assert "SUANLI_TRACE" not in untraced["env"]
    assert runner.warm_imports("03_forecast")

    folder = tmp_path / "traces"
    folder.mkdir()
    traced = _started_with(monkeypatch, tmp_path, "03_forecast", str(folder))
    assert traced["extra_arguments"] == ["--HistoryManager.hist_file=:memory:"]  # cold
    assert traced["env"]["SUANLI_TRACE"] == str(folder / "03_forecast.trace")
    assert runner.warm_imports("03_forecast") == []

    for value in (str(tmp_path / "one.trace"), "traces", str(tmp_path / "missing"), "../" + folder.name):
        kept = _started_with(monkeypatch, tmp_path, "03_forecast", value)
        assert kept["env"]["SUANLI_TRACE"] == value, value  # not an absolute existing folder: a file
        assert kept["extra_arguments"] == ["--HistoryManager.hist_file=:memory:"], value
    monkeypatch.chdir(tmp_path)  # a relative folder that exists is still not taken as a folder
    assert _started_with(monkeypatch, tmp_path, "03_forecast", "traces")["env"]["SUANLI_TRACE"] == "traces"

    unknown = _started_with(monkeypatch, tmp_path, "99_probe", str(folder))
    assert "SUANLI_TRACE" not in unknown["env"]


def test_the_trace_is_appended_to_a_file_and_never_to_a_folder(tmp_path):
    """analysis/__init__.py traces a kernel into the file SUANLI_TRACE names; a folder (which the
    runner turns into a step's file, but which any other kernel, nbval's, inherits as it is) is
    not a file to append to: that kernel runs untraced instead of failing on its first open."""
    import os
    import subprocess
    import sys

    read = tmp_path / "read.txt"
    read.write_text("x\n")
    code = ("import sys; sys.modules['ipykernel'] = sys  # as in a kernel\n"
            "import analysis\nimport analysis.base.paths\n"
            f"open({str(read)!r}).close()\n")
    folder, file = tmp_path / "traces", tmp_path / "one.trace"
    folder.mkdir()
    for trace in (folder, file):  # PYTHONPATH: this checkout (tests/conftest.py)
        env = {**os.environ, "SUANLI_TRACE": str(trace)}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    assert list(folder.iterdir()) == []
    lines = file.read_text(encoding="utf-8").splitlines()
    assert "import\tanalysis.base.paths" in lines and f"open\tr\t{read}" in lines


def test_a_live_kernel_s_folders_are_not_a_runner_s_leftovers_until_discarded(tmp_path):
    kernel = runner.Kernel("99_probe", tmp_path / "nb" / "99_probe.ipynb")  # folders made, not started
    leftover = runner.private_folder(runner.STAGE_PREFIX)
    try:
        assert runner.remove_own_private_folders() == [leftover]
        assert kernel.stage_dir.is_dir()
    finally:
        runner.discard_all()
    assert not kernel.stage_dir.exists() and not runner._LIVE
