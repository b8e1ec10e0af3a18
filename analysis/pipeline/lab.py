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


#: The options ``LAB_ARGS`` may pass (each as ``--name=value`` or ``--name value``; flags alone).
#: Nothing else: every other Jupyter option is refused (issue 29, N6).
PORT_OPTIONS = ("--port", "--ServerApp.port", "--port-retries", "--ServerApp.port_retries")
IP_OPTIONS = ("--ip", "--ServerApp.ip")
TOKEN_OPTIONS = ("--IdentityProvider.token", "--ServerApp.token")
DIR_OPTIONS = ("--notebook-dir", "--ServerApp.root_dir")
FLAGS = ("--no-browser",)
BROWSER_OPTIONS = ("--ServerApp.open_browser",)
LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")
ALLOWED = ("--port N, --port-retries N, --no-browser, --ip ADDRESS (other than loopback only with a token), "
           "--IdentityProvider.token TOKEN, --notebook-dir DIR (in the repository)")


class LabArgsError(ValueError):
    """``LAB_ARGS`` holds an option that is not allowed (exit status 2, one line)."""


def check_args(args: list[str], environ=None) -> list[str]:
    """``args`` if every option is on the allowlist and a non-loopback ``--ip`` has a token; else
    raise :class:`LabArgsError` naming the first option refused."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, sep, value = arg.partition("=")
        if name in FLAGS and not sep:
            i += 1
            continue
        if name not in PORT_OPTIONS + IP_OPTIONS + TOKEN_OPTIONS + DIR_OPTIONS + BROWSER_OPTIONS:
            raise LabArgsError(f"LAB_ARGS: {_shown(arg)} is not allowed (Jupyter options can run code or open "
                               f"the server); LAB_ARGS takes only {ALLOWED}")
        if not sep:
            if i + 1 >= len(args):
                raise LabArgsError(f"LAB_ARGS: {name} needs a value; LAB_ARGS takes only {ALLOWED}")
            value = args[i + 1]
            i += 1
        i += 1
        if name in PORT_OPTIONS and not (value.isascii() and value.isdigit() and 0 <= int(value) <= 65535):
            raise LabArgsError(f"LAB_ARGS: {name}={_shown(value)}; a port is a whole number from 0 to 65535")
        if name in BROWSER_OPTIONS and value not in ("True", "False"):
            raise LabArgsError(f"LAB_ARGS: {name}={_shown(value)}; it takes True or False")
        if name in DIR_OPTIONS:
            folder = (CODE_ROOT / value).resolve()
            if not folder.is_dir() or not folder.is_relative_to(CODE_ROOT):
                raise LabArgsError(f"LAB_ARGS: {name}={_shown(value)} is not a folder in the repository")
        values[name.split(".")[-1].lstrip("-")] = value
    ip = values.get("ip", "")
    if ip and ip not in LOOPBACK:
        token = values.get("token", environ.get("JUPYTER_TOKEN", ""))
        if not token.strip():
            raise LabArgsError(f"LAB_ARGS: --ip={_shown(ip)} serves Lab beyond this machine; it needs a token "
                               "(--IdentityProvider.token=…, not empty)")
    return list(args)


def _shown(text: str, limit: int = 40) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[:limit] + "…'"


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
