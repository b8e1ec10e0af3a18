"""JupyterLab for the compendium (``make lab``), configured by the project, not by each user.

Why this module exists: opening a committed notebook in Lab used to change it on disk (Lab
writes the kernel's patch version and its own cell ids at autosave), a ``notebooks/src/*.py``
opened as a text file on double-click, and Lab refused to start as root. Here:

* :func:`pre_save` is the contents manager's ``pre_save_hook`` (``jupyter/jupyter_server_config.json``):
  an executed notebook (``notebooks/NN_name.ipynb``) is normalised with the runner's own
  :func:`analysis.pipeline.runner.normalise` before it is written, so saving an unchanged notebook writes
  exactly the committed bytes; real edits are kept (normalised the same way).
* ``jupyter/labconfig/default_setting_overrides.json`` makes a double-click on a ``.py`` open
  it as a notebook (jupytext's "Jupytext Notebook" viewer). jupytext saves a source that had no
  metadata header without one, so an unchanged source stays byte-identical (tested).
* :func:`command` starts Lab with ``JUPYTER_CONFIG_PATH`` pointing at ``jupyter/`` (both files
  above) and ``--allow-root`` when run as uid 0 (containers, CI).
* :func:`check_args` admits a short list of server options (``LAB_ARGS``): Jupyter's other
  options run code (``--config=x.py`` executes the file, ``--ServerApp.browser='cmd %s'`` runs the
  command) or open the server to the network, so they are refused in one line (exit status 2),
  and an ``--ip`` other than loopback needs a token.

Usage: ``python -m analysis.pipeline.lab [jupyter lab options]`` (``make lab LAB_ARGS=…``).
"""
from __future__ import annotations

import os
import shlex
import re
import sys
from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = CODE_ROOT / "jupyter"
EXECUTED = re.compile(r"^\d\d_\w+\.ipynb$")


# The allowlist of LAB_ARGS is checked with the other variables, before make runs anything
# (analysis/pipeline/params.py); main() checks options given directly again.
from analysis.pipeline.params import ParameterError as LabArgsError  # noqa: E402
from analysis.pipeline.params import check_lab_args as check_args  # noqa: E402


def pre_save(model, path, contents_manager=None, **kwargs):
    """Normalise an executed notebook exactly as the runner does, just before Lab saves it."""
    if model.get("type") != "notebook" or not EXECUTED.match(Path(path).name):
        return
    import nbformat

    from analysis.pipeline.runner import normalise

    nb = nbformat.from_dict(model["content"])
    normalise(nb)
    model["content"] = nb


def command(root: Path, extra: list[str]) -> tuple[list[str], dict[str, str]]:
    """The argv and environment that start JupyterLab on ``root`` with the project's settings."""
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(CONFIG_DIR), env.get("JUPYTER_CONFIG_PATH", "")) if p)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CODE_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    argv = [sys.executable, "-m", "jupyter", "lab"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # root in a container or on CI: Lab refuses to start otherwise
    return argv + list(extra) + [str(root)], env


def main(argv: list[str] | None = None) -> int:
    # `make lab LAB_ARGS="--port 8899"` arrives through the environment (never through a shell)
    try:
        args = check_args((sys.argv[1:] if argv is None else argv) + shlex.split(os.environ.get("LAB_ARGS", "")))
    except (LabArgsError, ValueError) as err:
        print(f"error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    cmd, env = command(CODE_ROOT / "notebooks", args)
    os.execvpe(cmd[0], cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
