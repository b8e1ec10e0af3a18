"""JupyterLab in a real browser: a committed notebook opened fresh (untrusted) in `make lab`'s
configuration shows its outputs, connects to the "Python (suanli)" kernel, draws its Chinese
text, and is byte-identical on disk after Lab has autosaved it.

The server runs on a temporary copy of the notebooks (tests never write to the working tree),
with the project's settings exactly as `make lab` starts it (:func:`analysis.pipeline.lab.command`), a
fresh workspace, a token and a 2-second autosave interval; it is stopped by its PID.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from analysis.pipeline import lab
from tests.browser import Chromium, find_chromium

pytestmark = pytest.mark.browser
TOKEN = "suanli-test-token"

# Polls the page until the notebook has rendered its outputs and the kernel is idle, then waits
# past two autosave intervals with the tab open, and reports what it saw.
PROBE = """(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const want = %(images)d, wantOutputs = %(outputs)d;
  let state = {};
  for (let i = 0; i < 240; i++) {
    const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    const imgs = nb ? [...nb.querySelectorAll('.jp-OutputArea-output img')] : [];
    const shown = imgs.filter(e => e.complete && e.naturalWidth > 50 && e.getBoundingClientRect().width > 50);
    const outputs = nb ? nb.querySelectorAll('.jp-OutputArea-output').length : 0;
    const kernel = [...document.querySelectorAll('.jp-Toolbar-kernelName')].map(e => e.textContent.trim());
    const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
    state = {outputs, images: shown.length, kernel, status: status ? status.getAttribute('data-status') : null};
    state.notebook = !!nb;
    if (outputs >= wantOutputs && shown.length >= want && kernel.includes('Python (suanli)') && state.status === 'idle') break;
    await sleep(250);
  }
  await sleep(6000);  // three 2-second autosave intervals with the notebook open
  // a save in progress on a loaded machine (jupytext converts a .py on the server) may take longer
  for (let i = 0; i < 120 && document.querySelector('.jp-mod-dirty'); i++) await sleep(250);
  state.dirtyAfter = !!document.querySelector('.jp-mod-dirty');
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const cjk = nb ? [...nb.querySelectorAll('.jp-RenderedMarkdown :is(h1, h2, h3, p, li)')]
    .filter(e => /[\\u4e00-\\u9fff]/.test(e.textContent)) : [];
  const box = cjk.length ? cjk[0].getBoundingClientRect() : {width: 0, height: 0};
  Object.assign(state, {cjkText: cjk.length ? cjk[0].textContent.match(/[\\u4e00-\\u9fff]+/g) : [],
                        cjkWidth: box.width, cjkHeight: box.height});
  return state;
})()"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read().decode("utf-8"))


@pytest.fixture(scope="module")
def browser(server):
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it with apt-get)")
        pytest.skip("chromium is not installed: apt-get install chromium")
    b = Chromium(binary, allow=server["base"].split("//", 1)[1])  # only this server, nothing else
    yield b
    b.close()


@pytest.fixture(scope="module")
def server(repo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    shutil.copytree(repo / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # the project kernel, as build/kernel.stamp installs it (used when .venv has none yet)
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(tmp / "k"), "--name", "suanli",
                    "--display-name", "Python (suanli)"], check=True, capture_output=True)
    settings = tmp / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": True, "autosaveInterval": 2}))
    port = _free_port()
    cmd, env = lab.command(root, ["--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
                                  f"--IdentityProvider.token={TOKEN}", f"--LabApp.user_settings_dir={tmp / 'settings'}",
                                  f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--ServerApp.disable_check_xsrf=False"])
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(tmp / "k" / "share" / "jupyter"), env.get("JUPYTER_PATH", "")) if p)
    env["JUPYTER_RUNTIME_DIR"] = str(tmp / "runtime")
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/api/status?token={TOKEN}")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (tmp / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield {"base": base, "root": root, "log": tmp / "server.log"}
    finally:
        os.kill(proc.pid, signal.SIGTERM)  # stop the server by its PID (it shuts its kernels down)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.mark.parametrize("name", ["03_forecast.ipynb", "05_forecast_figures.ipynb", "src/03_forecast.py"])
def test_lab_opens_a_committed_notebook_and_leaves_it_unchanged(browser, server, repo, name):
    """Opening by URL uses the default viewer, as a double-click does: a .py must open as a notebook."""
    path = server["root"] / name
    before = path.read_bytes()
    assert before == (repo / "notebooks" / name).read_bytes()
    nb = json.loads(before) if name.endswith(".ipynb") else {"cells": []}
    images = sum(1 for c in nb["cells"] if c["cell_type"] == "code"
                 for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    outputs = sum(1 for c in nb["cells"] if c["cell_type"] == "code" and c.get("outputs"))
    mtime = path.stat().st_mtime_ns
    report = browser.visit(f"{server['base']}/lab/tree/{name}?token={TOKEN}",
                           PROBE % {"images": images, "outputs": min(outputs, 1)}, settle=3.0, timeout=120)
    state = report.result
    assert state["notebook"], state  # a notebook panel, not the text editor
    assert state["outputs"] >= min(outputs, 1), state
    assert state["images"] >= images, state  # every chart (PNG: shown in an untrusted notebook) is drawn
    assert "Python (suanli)" in state["kernel"] and state["status"] == "idle", state
    sessions = _get(f"{server['base']}/api/sessions?token={TOKEN}")
    assert any(s["path"].endswith(name) and s["kernel"]["name"] == "suanli" for s in sessions), sessions
    if re.search("[\u4e00-\u9fff]", before.decode("utf-8")):  # Chinese prose is rendered and laid out (the charts' is in their pixels)
        assert state["cjkText"] and state["cjkWidth"] > 50 and state["cjkHeight"] > 10, state
    assert not state["dirtyAfter"], state  # Lab saved (or had nothing to save)
    assert path.stat().st_mtime_ns != mtime, "Lab never autosaved, so the test proved nothing"
    assert path.read_bytes() == before, f"{name} changed on disk after Lab's autosave"
    outside = [u for u in report.requests if not u.startswith((server["base"], "data:", "blob:", "about:"))
               and not u.startswith(server["base"].replace("http", "ws"))]
    assert outside == [], outside
