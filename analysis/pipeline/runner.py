"""The notebook runner: execute one notebook with papermill, reproducibly and atomically.

Why a wrapper and not the papermill CLI:

* **Fail before a kernel starts.** Unknown parameter names and bad values are rejected
  against :mod:`analysis.pipeline.params` (papermill itself only warns), with exit status 2.
* **One working directory.** The kernel runs in the folder of the executed notebook, which is
  where nbval runs it too, so relative paths mean the same thing in both.
* **Byte-reproducible output.** Timings, papermill's paths, kernel patch versions and the
  random id of the injected-parameters cell are removed or fixed, so an unchanged tree
  rebuilds to identical bytes.
* **All or nothing.** Every file the step writes (its tables and figures, written by the
  kernel through :mod:`analysis.base.atomic`, then the HTML page and the executed notebook) is
  staged beside its target and published together only after the whole notebook succeeded:
  a failed, interrupted or out-of-space run leaves every previous output byte-identical.
* **Failures told apart.** A kernel that could not start is retried once (and reported as
  such); a kernel that died while running is reported as "the kernel died during cell N
  (exit code …)" and never retried.
* **Its own kernel transport.** Kernels talk over IPC (Unix sockets in a short private temp
  folder), not TCP: nothing listens on a port, there is no port race under ``make -j2``, and
  ipykernel has no reason to warn about unencrypted TCP.
* **One source for the run name.** ``run_name`` is injected from ``--run`` (the folder the
  step writes into); it can never be passed as a parameter.
* **No leftovers.** Its private folders (the staging ledger, the kernel's sockets) are named
  after the runner's process id; they are removed when the step ends, fails or is stopped by
  SIGTERM or SIGINT (:mod:`analysis.pipeline.cli` turns SIGTERM into an exception), and a
  runner sweeps those of runners that no longer exist (killed with SIGKILL) when it starts.
* **A cell timeout.** A cell that runs longer than ``CELL_TIMEOUT`` seconds (10 minutes unless
  set) stops the step with one line naming the cell; nothing is published.
* **Fresh drawings on request.** A step rerun to restore an output edited by hand runs with an
  empty private figure cache (``SUANLI_CACHE``), so the output is drawn again, never copied
  from ``build/cache/``.

Sources are jupytext "percent" scripts in ``notebooks/src/`` (diff-friendly, reviewable);
executed notebooks in ``notebooks/`` are the committed, rendered artefacts.

Usage::

    python -m analysis.pipeline.runner notebooks/src/01_clean.py notebooks/01_clean.ipynb \
        -p tolerance_pct 1.0 --html reports/01_clean.html

(The build calls :func:`execute` through :mod:`analysis.pipeline.engine`, which decides whether a step
must run and records what it wrote.)
"""
from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from analysis.pipeline import params as P
from analysis.base import paths

KERNEL_DISPLAY = {"name": "suanli", "display_name": "Python (suanli)", "language": "python"}
#: Seconds a cell may run (``CELL_TIMEOUT`` overrides it, checked by :mod:`analysis.pipeline.params`).
CELL_TIMEOUT = 600
#: The runner's private folders in the temporary folder: ``<prefix><pid>-<random>``.
STAGE_PREFIX, SOCKET_PREFIX = "suanli-stage-", "suanli-sk-"


def _socket_base() -> str | None:
    """A Unix socket path has at most ~107 bytes: use /tmp if the temp folder's path is long."""
    return None if len(tempfile.gettempdir()) < 60 or not os.path.isdir("/tmp") else "/tmp"


def private_folder(prefix: str, base: str | None = None) -> Path:
    """A fresh private folder named after this process (so a later runner can tell whether its
    owner still exists)."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base))


def _private_folders():
    """Every stage and socket folder in the temporary folders (this user's or not), with the
    process id it is named after."""
    for base in {tempfile.gettempdir(), _socket_base() or tempfile.gettempdir()}:
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        for entry in entries:
            for prefix in (STAGE_PREFIX, SOCKET_PREFIX):
                pid = entry.name[len(prefix):].partition("-")[0] if entry.name.startswith(prefix) else ""
                if pid.isdigit() and entry.is_dir(follow_symlinks=False):
                    yield entry, int(pid)


def _rmtree(folder: str) -> None:
    """Remove ``folder`` even while a kernel that is being stopped still adds a socket file to it
    (a stop can reach a kernel while it binds its sockets): a few tries, a second at most."""
    for _ in range(20):
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.lexists(folder):
            return
        time.sleep(0.05)


def _remove(entries) -> list[Path]:
    removed = []
    for entry in entries:
        _rmtree(entry.path)
        removed.append(Path(entry.path))
    return removed


def sweep_private_folders() -> list[Path]:
    """Remove the stage and socket folders of runners that no longer exist (killed with SIGKILL);
    only folders of this user, named as :func:`private_folder` names them."""
    from analysis.base.atomic import process_alive

    def orphaned(entry, pid) -> bool:
        try:
            owner = entry.stat(follow_symlinks=False).st_uid
        except OSError:
            return False
        return pid != os.getpid() and owner == os.getuid() and (not process_alive(pid) or _zombie(pid))

    return _remove(entry for entry, pid in _private_folders() if orphaned(entry, pid))


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has exited but is not yet reaped (Linux): a runner killed outright releases
    its run's lock as it exits, so the waiter that takes over may find it a zombie (issue 29, N7)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def remove_own_private_folders() -> list[Path]:
    """Remove every stage and socket folder of this process, whatever created it (a kernel
    manager that a stop interrupted before it was recorded, a retried start): called when
    :func:`execute` ends, by success, failure or a stop. The folders of a kernel started ahead for
    a later step (:class:`Kernel`) are not leftovers: :func:`discard_all` removes those."""
    keep = {os.path.realpath(f) for k in _LIVE for f in k.folders()}
    return _remove(entry for entry, pid in _private_folders()
                   if pid == os.getpid() and os.path.realpath(entry.path) not in keep)


# Where the last execute() spent its time (seconds), for `make bench`: kernel start, imports,
# work, exports (cells that write tables or figures), HTML, publishing. Set by execute().
LAST_TIMINGS: dict[str, float] = {}
#: The lines the last executed notebook printed that begin with ``warning:`` (e.g. a forecast
#: past the world market, analysis/coherence.py): the build repeats them on the terminal.
LAST_WARNINGS: list[str] = []
_EXPORT_MARKS = ("charts.export(", "write_csv(", "write_all(", "write_text(")


def phase_timings(executed, started: float) -> dict[str, float]:
    """Split an executed notebook's time by phase, from papermill's per-cell timestamps."""
    import datetime as dt

    out = {"kernel start": 0.0, "imports": 0.0, "work": 0.0, "exports": 0.0}
    cells = [c for c in executed.cells if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")]
    if not cells:
        return out
    stamp = lambda t: dt.datetime.fromisoformat(t).timestamp()  # noqa: E731
    out["kernel start"] = max(0.0, stamp(cells[0].metadata.papermill["start_time"]) - started)
    for c in cells:
        meta = c.metadata.papermill
        took = stamp(meta["end_time"]) - stamp(meta["start_time"]) if meta.get("end_time") else 0.0
        code = [line for line in c.source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if any(m in c.source for m in _EXPORT_MARKS):
            out["exports"] += took
        elif code and all(line.startswith(("import ", "from ", "notebook.setup(", "params.check(", "p = params.check(",
                                           "    ")) for line in code):
            out["imports"] += took
        else:
            out["work"] += took
    return out


class RunnerError(RuntimeError):
    """The notebook could not be run; the message says which notebook and why."""


class KernelStartError(RunnerError):
    """The kernel could not be started (retried once)."""


class KernelDied(RunnerError):
    """The kernel died while a cell ran (never retried)."""


class CellTimeout(RunnerError):
    """A cell ran longer than the cell timeout."""


def _started_cells(nb) -> list[int]:
    """The cells papermill sent to the kernel (it stamps a start time on each)."""
    return [i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]


@functools.lru_cache(maxsize=None)
def _manager_class():
    """The kernel manager: IPC transport, its own socket folder, the exit code of a kernel that
    died. Made once per process, importing jupyter_client only, so that a kernel can start
    before papermill is imported."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        exit_code = None
        last = None  # the instance the step runs on (nbclient's, or a :class:`Kernel`'s)
        client_made = None  # the client nbclient made for it (stopped when the step ends)

        def __init__(self, **kw):
            super().__init__(**kw)
            type(self).last = self
            self._sockets = str(private_folder(SOCKET_PREFIX, _socket_base()))
            # the connection file too (jupyter_client would otherwise make it in the temp folder)
            self.connection_file = os.path.join(self._sockets, "kernel.json")
            self.transport = "ipc"
            self.ip = os.path.join(self._sockets, "k")

        def client(self, **kw):
            self.client_made = super().client(**kw)
            return self.client_made

        async def _async_is_alive(self) -> bool:  # asked by nbclient and by its client: keeps the exit code
            alive = await super()._async_is_alive()
            if not alive and self.exit_code is None and self.provisioner is not None:
                self.exit_code = await self.provisioner.poll()
            return alive

        is_alive = _async_is_alive

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(self._sockets, ignore_errors=True)

    return IPCKernelManager


@functools.lru_cache(maxsize=None)
def _kernel_classes():
    """The kernel manager (:func:`_manager_class`) and the papermill engine that tells a kernel
    death from a start failure; made once per process."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.engines import NBClientEngine

    IPCKernelManager = _manager_class()

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, km=None, **kwargs):
            IPCKernelManager.last = km
            try:
                # Every output is staged by then: stop the kernel at once (a graceful stop interrupts
                # it first, and the kernel logs that interrupt to the terminal).
                return super().execute_managed_notebook(nb_man, kernel_name, shutdown_kernel="immediate",
                                                        kernel_manager_class=IPCKernelManager, km=km, **kwargs)
            except CellTimeoutError:
                started = _started_cells(nb_man.nb)
                raise CellTimeout(f"cell {started[-1] if started else '?'} ran longer than the cell timeout "
                                  f"({kwargs.get('execution_timeout')} s); set CELL_TIMEOUT=seconds to allow more") from None
            except DeadKernelError:
                km = IPCKernelManager.last
                # papermill stamps a start time on each cell it sends to the kernel: none means the
                # kernel never got to run a cell (a start failure, retried by the caller).
                started = _started_cells(nb_man.nb)
                if not started:
                    raise
                code = km.exit_code if km is not None else None
                raise KernelDied(f"the kernel died during cell {started[-1]} "
                                 f"(exit code {code if code is not None else 'unknown'})") from None
            finally:
                _stop(IPCKernelManager.last)

    return IPCKernelManager, Engine


def _stop(km) -> None:
    """Stop a kernel at once, with its client's channels, and remove its socket folder. nbclient
    stops a kernel it started itself; one started ahead (:class:`Kernel`), or one a stop (SIGINT,
    SIGTERM) reached before nbclient shut it down, is stopped here, so that it cannot add a socket
    to its folder while the folder is removed."""
    if km is None:
        return
    client = getattr(km, "client_made", None)
    if client is not None:
        try:
            client.stop_channels()
        except Exception:  # noqa: BLE001 (already stopped)
            pass
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is not None and process.poll() is None:
        process.kill()
        process.wait(timeout=30)
    try:
        km._close_control_socket()
    except Exception:  # noqa: BLE001 (never opened, or closed by nbclient)
        pass
    _rmtree(km._sockets)


def ready() -> None:
    """Import what :func:`execute` imports (papermill, nbformat, jupytext, nbclient): a process
    started ahead of its step pays this while the steps upstream of it still run."""
    import jupytext  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    _kernel_classes()


def warm_imports(name: str) -> list[str]:
    """The modules a kernel for step ``name`` imports before its first cell: the ``analysis``
    modules the registry declares it imports (and, through them, pandas, statsmodels, Altair).
    None for a notebook the registry does not know, and none while ``SUANLI_TRACE`` is set: a
    traced kernel starts cold, so that its trace holds only what the cells import (the warm-up
    imports exactly the declared modules, and the registry check, ``_observed`` in
    tests/integration/test_build_graph.py, would then find a module declared but no longer used)."""
    from analysis.pipeline.registry import STEPS, module_name

    step = STEPS.get(name)
    return [module_name(m) for m in step.modules] if step and not os.environ.get("SUANLI_TRACE") else []


#: Kernels started ahead and not yet run or discarded: their folders are not this process's
#: leftovers (:func:`remove_own_private_folders` keeps them).
_LIVE: set = set()


class Kernel:
    """A kernel for one step, started ahead of its first cell, with the step's imports done.

    Why: a kernel takes about 0.6 s to start, and a step's imports (its ``analysis`` modules, and
    through them pandas, statsmodels, Altair) 0.5 to 1.3 s more. :func:`execute` starts its kernel
    before it imports papermill and reads the notebook; the build (:func:`analysis.pipeline.engine.build`)
    starts the next step's while the step before it runs. Either way that time is spent beside
    other work instead of on the build's critical path (issue 31). The imports run through
    IPython's ``exec_lines`` (no execution count, no output in any cell): the notebook's own
    imports then find them done, and the executed notebook is the same bytes as from a cold kernel
    (``tests/integration/test_determinism.py``, strict nbval). While ``SUANLI_TRACE`` is set the
    kernel starts cold (:func:`warm_imports` gives none), so that the trace of what it imports is
    the cells' own; the determinism drill's ``-j1`` build is traced, hence cold, its ``-j2`` build
    warm, and both are byte-identical to the reference. ``SUANLI_TRACE`` naming an existing
    directory (an absolute path) gives each step's kernel its own trace, ``<dir>/<step>.trace``
    (:meth:`start`); any other value is the one file every kernel appends to, as before.

    It owns the step's stage folder (the ledger of what the kernel writes), since the kernel is
    told where it is when it starts. :attr:`key` is what it was started for; :func:`execute` runs
    on it only if the step asks for the same, else discards it and starts its own."""

    def __init__(self, name: str, output: Path, run: str | None = None, outputs_in_run: bool = False,
                 fresh: bool = False, kernel_name: str | None = None):
        from analysis.base import atomic

        self.name = name
        self.cwd = str(Path(output).parent)
        self.kernel_name = kernel_name or os.environ.get("SUANLI_KERNEL", "python3")
        self._started_for = (output, run, outputs_in_run, fresh, kernel_name)  # all of key_for's but the step
        self.key = self.key_for(name, *self._started_for)
        self.km = None
        self.error: BaseException | None = None
        self.stage_dir = private_folder(STAGE_PREFIX)
        self.ledger = self.stage_dir / "ledger.tsv"
        # What the kernel inherits: its writes are staged (and belong to this process until published),
        # its default outputs may be the run's, its figure cache may be an empty private one.
        self.env = {atomic.STAGE_ENV: str(self.ledger), atomic.STAGE_OWNER_ENV: str(os.getpid()),
                    "SUANLI_OUTPUTS": run if outputs_in_run else None,
                    "SUANLI_CACHE": str(self.stage_dir / "cache") if fresh else None}
        _LIVE.add(self)

    @staticmethod
    def key_for(name: str, output: Path, run: str | None = None, outputs_in_run: bool = False,
                fresh: bool = False, kernel_name: str | None = None) -> tuple:
        """What a kernel for these arguments is started with: the step, its working folder, its
        outputs' folder, its figure cache, the kernel's name."""
        return (name, str(Path(output).parent), run if outputs_in_run else None, bool(fresh),
                kernel_name or os.environ.get("SUANLI_KERNEL", "python3"))

    def start(self) -> "Kernel":
        """Launch the kernel process (without waiting for it); a failure is kept in :attr:`error`
        and raised where the step would have started its kernel (:meth:`take`)."""
        from jupyter_core.utils import run_sync

        IPCKernelManager = _manager_class()
        _stop(self.km)
        self.km, self.error = None, None
        try:
            self.km = IPCKernelManager(kernel_name=self.kernel_name)
            env = {k: v for k, v in os.environ.items() if k not in self.env}
            env.update({k: v for k, v in self.env.items() if v is not None})
            root = str(paths.ROOT.resolve())
            if root not in env.get("PYTHONPATH", "").split(os.pathsep):  # the kernel imports `analysis`
                env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
            trace = env.get("SUANLI_TRACE", "")  # a folder (absolute, existing): one trace per registry step
            if os.path.isabs(trace) and os.path.isdir(trace):
                from analysis.pipeline.registry import STEPS

                if self.name in STEPS:
                    env["SUANLI_TRACE"] = os.path.join(trace, f"{self.name}.trace")
                else:  # not a step of the registry: no name of ours to give its trace, so no trace
                    del env["SUANLI_TRACE"]
            args = ["--HistoryManager.hist_file=:memory:"]  # as nbclient starts an IPython kernel
            imports = warm_imports(self.name) if getattr(self.km, "ipykernel", False) else []
            if imports:
                lines = [f"import {m}" for m in imports]
                if "analysis.charts.machinery" in imports:  # a figure step: its drawing engine too
                    lines.append("analysis.charts.machinery.warm()")
                args.append("--IPKernelApp.exec_lines=" + repr(lines))
            os.makedirs(self.cwd, exist_ok=True)  # the step's output folder, where its kernel runs
            run_sync(self.km.start_kernel)(extra_arguments=args, cwd=self.cwd, env=env)
        except Exception as err:  # noqa: BLE001 (no such kernel, no socket: the step retries, then says so)
            self.error = err
        return self

    def serve(self, name: str) -> "Kernel | None":
        """This kernel, started ahead for a step that proved up to date, made the kernel of step
        ``name`` of the same build (same folders, outputs and figure cache: only the step differs),
        instead of being discarded while another is started. Its warm-up imports were the other
        step's: a notebook's imports find done what they find done, and do the rest, so the executed
        notebook is the same bytes (a warm kernel and a cold one already give the same, see
        :class:`Kernel`). A traced kernel is discarded instead (its trace file is named after the
        step it was started for). Returns the kernel, or None."""
        if os.environ.get("SUANLI_TRACE") or self.error is not None or self.km is None:
            self.discard()
            return None
        self.name = name
        self.key = self.key_for(name, *self._started_for)
        return self

    def take(self):
        """The started kernel's manager, for the step's cells; raise the start's failure if it failed."""
        if self.error is not None:
            raise self.error
        return self.km

    def folders(self) -> set[str]:
        return {str(self.stage_dir)} | ({self.km._sockets} if self.km is not None else set())

    def discard(self) -> None:
        """Stop the kernel and remove its folders (a step that did not run on it)."""
        _LIVE.discard(self)
        _stop(self.km)
        self.km = None
        shutil.rmtree(self.stage_dir, ignore_errors=True)


def discard_all() -> None:
    """Discard every kernel started ahead and not used (a build that failed or was stopped), and
    any private folder of this process that a stop left half made (a kernel manager stopped before
    its kernel was recorded)."""
    for kernel in list(_LIVE):
        kernel.discard()
    remove_own_private_folders()


def notebook_name(source: Path) -> str:
    return Path(source).stem


def load_source(source: Path):
    import jupytext
    import nbformat

    source = Path(source)
    if source.suffix == ".py":
        nb = jupytext.read(source, fmt="py:percent")
    else:
        nb = nbformat.read(source, as_version=4)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = dict(KERNEL_DISPLAY)
    return nb


def declared_parameters(nb) -> set[str]:
    """Names assigned in the cell tagged ``parameters``."""
    import ast

    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            names = set()
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
                elif isinstance(node, ast.Assign):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            return names
    return set()


def notebook_warnings(nb) -> list[str]:
    """The lines a notebook printed to stdout that start with ``warning:``, in cell order."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                text = o.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                out.extend(line for line in text.splitlines() if line.startswith("warning:"))
    return out


def normalise(nb) -> None:
    """Strip volatile metadata in place (timings, paths, versions, random cell ids), and merge
    consecutive stream outputs: how a cell's printing is cut into messages depends on when the
    kernel flushed (under load, ``print`` can arrive as its text and then its newline)."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    CoalesceStreamsPreprocessor().preprocess(nb, {})
    nb.metadata.pop("papermill", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    nb.metadata["kernelspec"] = dict(KERNEL_DISPLAY)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        cell.id = f"cell-{i:02d}"
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"


def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="suanli", extra_template_basedirs=[str(Path(__file__).parent / "templates")])


class WarmExporter:
    """The HTML exporter, made ready in a thread while the kernel runs.

    A first page costs an nbconvert import, its templates and the regular expressions of its
    filters (0.5–1 s), a second one 0.1–0.4 s; the runner only waits for the kernel meanwhile.
    :meth:`get` returns the exporter once that thread is done, or a fresh one if it failed: the
    page is the same either way (``tests/pipeline/test_runner.py``)."""

    def __init__(self):
        import threading

        self._exporter = None
        self._thread = threading.Thread(target=self._warm, name="suanli-html-warm-up", daemon=True)
        self._thread.start()

    def _warm(self) -> None:
        import nbformat

        try:
            exporter = _exporter()
            page = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# w\n\n*w* `w`"),
                                                   nbformat.v4.new_code_cell("w = 1  # w")])
            page.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
            exporter.from_notebook_node(page, resources={"metadata": {"name": "warm-up"}})
            self._exporter = exporter
        except Exception:  # noqa: BLE001 (a warm-up never fails a build: get() makes a fresh exporter)
            self._exporter = None

    def get(self):
        self._thread.join()
        return self._exporter or _exporter()


def render_html(nb, name: str, exporter=None) -> str:
    """Render an executed notebook to a self-contained HTML page (no network requests), with
    ``exporter`` if given (:class:`WarmExporter`), else a fresh one."""
    body, _ = (exporter or _exporter()).from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body


def execute(source: Path, output: Path, parameters: dict | None = None, html: Path | None = None,
            kernel_name: str | None = None, retries: int = 1, run: str | None = None,
            timeout: int | None = None, outputs_in_run: bool = False, fresh: bool = False,
            kernel: Kernel | None = None) -> list[Path]:
    """Execute ``source`` into ``output`` (and ``html``), publishing every file the notebook
    writes only if it succeeds; return the published files. Raise RunnerError or ParameterError.

    ``timeout``: seconds a cell may run (default :data:`CELL_TIMEOUT`). ``outputs_in_run``: the
    kernel's default output folders are the run's (a run that rebuilds the cleaned data).
    ``fresh``: draw every figure again (an empty private figure cache). ``kernel``: a kernel
    started ahead for this step (:class:`Kernel`); used if it was started for what this call
    asks, else discarded. Without one, the kernel is started first thing, before papermill is
    imported and the notebook read."""
    source, output = Path(source), Path(output)
    name = notebook_name(source)
    given = dict(parameters or {})
    if P.INTERNAL & set(given):
        raise P.ParameterError(f"parameter '{sorted(P.INTERNAL & set(given))[0]}' is set by the build "
                               "(from RUN), not by a parameter")
    if "run_name" in P.known(name):
        given["run_name"] = run or ""
    values = P.check(name, given)  # unknown names / bad values: fail before any heavy import
    if not source.exists():
        raise RunnerError(f"{paths.rel(source)}: no such notebook source")
    # The kernel must import `analysis` whatever its working directory.
    root = str(paths.ROOT.resolve())
    if root not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    if outputs_in_run and not run:
        raise RunnerError(f"{paths.rel(source)}: outputs_in_run needs a run name")
    output.parent.mkdir(parents=True, exist_ok=True)
    sweep_private_folders()
    wanted = dict(run=run, outputs_in_run=outputs_in_run, fresh=fresh, kernel_name=kernel_name)
    mine = None
    try:  # from the first folder made: a stop (SIGTERM, SIGINT) from here on leaves none behind
        if kernel is not None and kernel.key == Kernel.key_for(name, output, **wanted):
            mine = kernel
        else:
            if kernel is not None:
                kernel.discard()
            mine = Kernel(name, output, **wanted).start()
        _LIVE.discard(mine)  # this step's own: removed when it ends
        stage_dir, ledger = mine.stage_dir, mine.ledger
        import nbformat
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        from analysis.base import atomic

        nb = load_source(source)
        declared = declared_parameters(nb)
        if declared != set(P.known(name)):
            raise RunnerError(f"{paths.rel(source)}: the parameters cell declares {sorted(declared)} but "
                              f"analysis/pipeline/params.py declares {sorted(P.known(name))}; keep them in step")
    except BaseException:  # a stop or a failure before the cells: this step's kernel (and any started ahead) go
        for k in (mine, kernel):
            if k is not None:
                k.discard()
        discard_all()
        raise
    # The runner's own writes (the page, the notebook) are staged in the same ledger as the kernel's.
    previous = {k: os.environ.get(k) for k in mine.env}
    for k, v in mine.env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    _, engine = _kernel_classes()
    warm = WarmExporter() if html else None  # readied while the kernel runs
    LAST_TIMINGS.clear()
    LAST_WARNINGS.clear()
    try:
        attempt = 0
        started = time.time()
        while True:
            try:
                executed = _run(pm, engine, nb, values, mine.kernel_name, output, timeout or CELL_TIMEOUT, mine.take())
                break
            except PapermillExecutionError as err:
                raise RunnerError(f"{paths.rel(source)}: cell {err.exec_count} raised {err.ename}: "
                                  f"{_one_line(err.evalue)}") from None
            except (KernelDied, CellTimeout) as err:
                raise RunnerError(f"{paths.rel(source)}: {err}") from None
            except Exception as err:  # kernel could not start (no such kernel, socket, timeout)
                atomic.discard(atomic.staged(ledger))
                ledger.unlink(missing_ok=True)
                if attempt >= retries:
                    raise KernelStartError(
                        f"{paths.rel(source)}: the kernel '{mine.kernel_name}' could not be started after "
                        f"{attempt + 1} attempts ({type(err).__name__}: {_one_line(err)}). Check that the "
                        f"environment is built (make env) and that the kernel name is right.") from None
                attempt += 1
                print(f"runner: kernel start failed ({type(err).__name__}); retrying once", file=sys.stderr)
                time.sleep(1)
                started = time.time()
                mine.start()
        LAST_TIMINGS.update(phase_timings(executed, started))
        t0 = time.time()
        normalise(executed)
        LAST_WARNINGS[:] = notebook_warnings(executed)
        nbformat.validate(executed)
        text = nbformat.writes(executed) + "\n"
        if html:
            atomic.write_text(Path(html), render_html(executed, name, warm.get()))
        t1 = time.time()
        LAST_TIMINGS["HTML"] = t1 - t0
        atomic.write_text(output, text)
        pairs = atomic.staged(ledger)
        published = atomic.publish(pairs, last=Path(os.path.abspath(output)))
        LAST_TIMINGS["publish"] = time.time() - t1
        if fresh:
            evict_bypassed(stage_dir / "cache" / "figures")
        return published
    except BaseException:
        atomic.discard(atomic.staged(ledger))
        raise
    finally:
        for k, v in previous.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        mine.discard()
        remove_own_private_folders()


def evict_bypassed(drawn: Path) -> list[str]:
    """A restore drew its figures afresh, bypassing the figure cache: evict the entries it bypassed
    (the keys it drew), so that a poisoned entry does not come back on the next ordinary rerun
    (issue 29, N12). Only entries named like a key; a link is unlinked, never followed."""
    from analysis import figure_cache

    real, gone = figure_cache.folder(), []
    for entry in (drawn.iterdir() if drawn.is_dir() else ()):
        target = real / entry.name
        if len(entry.name) == 64 and all(c in "0123456789abcdef" for c in entry.name) and \
                (target.exists() or target.is_symlink()):
            if target.is_symlink() or not target.is_dir():
                target.unlink(missing_ok=True)
            else:
                shutil.rmtree(target, ignore_errors=True)
            gone.append(entry.name)
    return gone


class _QuietTimeout:
    """A logging filter: nbclient logs a cell timeout before raising it; the runner reports it once."""

    @staticmethod
    def filter(record) -> bool:
        return not str(record.getMessage()).startswith("Timeout waiting for execute reply")


def _run(pm, engine, nb, values, kernel, output, timeout, km=None):
    import logging

    from papermill.engines import papermill_engines

    for name in ("papermill", "traitlets", "NotebookClient"):
        if _QuietTimeout not in logging.getLogger(name).filters:
            logging.getLogger(name).addFilter(_QuietTimeout)

    papermill_engines.register("suanli", engine)
    return pm.execute_notebook(nb, None, parameters=values, kernel_name=kernel, cwd=str(output.parent),
                               progress_bar=False, log_output=False, record_timing=False, start_timeout=60,
                               engine_name="suanli", execution_timeout=timeout, km=km)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:200]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.pipeline.runner", description=__doc__.split("\n")[0],
                                 allow_abbrev=False)
    ap.add_argument("source", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--params", type=Path, help="YAML file of parameters")
    ap.add_argument("--html", type=Path, help="also render the executed notebook to this HTML file")
    ap.add_argument("--run", help="the named run this step writes for (sets run_name)")
    ap.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                    help="a parameter (repeatable)")
    args = ap.parse_args(argv)
    try:
        values = P.read(args.params) if args.params else {}
        values.update(dict(args.p))
        execute(args.source, args.output, values, args.html, run=args.run)
    except P.ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RunnerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"runner: wrote {paths.rel(args.output)}" + (f" and {paths.rel(args.html)}" if args.html else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
