"""Notebook parameters: one typed specification per notebook, checked before a kernel starts.

Papermill only *warns* about unknown parameters and checks no types, so a typo in
``make forecast HORIZON=203`` would otherwise run for a minute and produce nonsense. Every
notebook's parameters are declared here once. Three places use the declaration:

* ``python -m analysis.pipeline check`` (run by the Makefile when it is parsed) validates every
  make variable, so a bad value exits 2 in well under a second, before anything runs;
* the notebook runner rejects unknown names and bad values again before executing;
* each notebook's validation cell calls :func:`check`, so a notebook run by hand is held to
  the same rules.

Make variables: every parameter is also a make variable, named by :func:`make_name` (its
upper-case name unless :data:`MAKE_NAMES` renames it), so a new ``Param`` entry is all it takes
to get a new variable. Make hands the values over through the environment, never through a
shell (see the Makefile); :func:`from_environ` reads them and :func:`check_command_line` admits
only known names: the parameters' and :data:`BUILD_VARIABLES`, each for the goals that use it;
any other name stops make, a misspelt or miscased one (``method=``, ``HORIZN=``) with "did you
mean METHOD?". ``run_name`` is not a make variable: the runner sets it from the folder it writes
into.

This module imports nothing heavy: it must stay fast.
"""
from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from analysis.base import paths
from analysis.domain import DEFAULT_AS_OF, FIRST_DATA_YEAR, FIRST_EDITION_DATE, LAST_DATA_YEAR, MAX_HORIZON, REPORT_HORIZON
from analysis.domain import FORECAST_SERIES as SERIES

METHODS = ("drift", "decay", "nowcast", "loglinear", "ets", "combination")


# Run names: lower-case letters, digits, '-' and '_', 1-64 characters, starting with a letter or
# digit (so never '.', '..', '-x' or a path). Documented in the README.
RUN_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
RUN_NAME_RULE = "1-64 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit"


class ParameterError(ValueError):
    """A parameter is unknown or has a bad value; the message lists what is allowed."""


@dataclass(frozen=True)
class Param:
    type: type
    default: Any
    help: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    open_interval: bool = False
    optional: bool = False
    parse: Any = None  # for a str parameter: a function that checks and normalises it (raises ValueError)

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if self.parse is not None:
            return self.parse.__doc__.strip() + (" or empty (none)" if self.optional else "")
        if self.low is not None:
            kind = "a number" if self.type is float else "an integer"
            if self.open_interval:
                rng = f"{kind} strictly between {self.low} and {self.high}"
            else:
                rng = f"{kind} from {self.low} to {self.high}"
            return rng + (" or empty (none)" if self.optional else "")
        return f"a {self.type.__name__}"


#: The interval levels a forecast can draw: a level nearer 0 or 1 gives an interval of no width or
#: of unbounded width (``LEVELS=1e-320`` failed in 03_forecast), and each is shown to two decimals.
LEVEL_LOW, LEVEL_HIGH = 0.01, 0.99


def parse_levels(text: str) -> tuple[float, ...]:
    """a comma-separated list of 1 to 5 interval levels, each from 0.01 to 0.99 with at most two decimals (e.g. 0.5,0.8,0.95)"""
    items = [x.strip() for x in text.split(",")]
    if not all(re.fullmatch(r"0?\.[0-9]{1,2}", x, re.ASCII) for x in items):
        raise ValueError(f"got {text!r}")
    levels = tuple(sorted({float(x) for x in items}))
    if not 1 <= len(levels) <= 5 or not all(LEVEL_LOW <= x <= LEVEL_HIGH for x in levels):
        raise ValueError(f"got {text!r}")
    return levels


def parse_growth(text: str) -> dict[str, float]:
    """a yearly growth rate from -0.5 to 2 (0.2 = 20%) for every series, or per series as series:rate,… (e.g. ai_server_market:0.3,general_compute:0.1)"""
    out: dict[str, float] = {}
    for item in text.split(","):
        name, sep, rate = item.strip().rpartition(":")
        names = (name.strip(),) if sep else SERIES
        if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", rate.strip()):
            raise ValueError(f"got {text!r}")
        r = float(rate)
        if not sep and len(text.split(",")) > 1 or any(n not in SERIES for n in names) or not -0.5 <= r <= 2.0:
            raise ValueError(f"got {text!r}")
        for n in names:
            if n in out:
                raise ValueError(f"got {text!r} (series {n} twice)")
            out[n] = r
    return out


#: The first date a build can take: the release of the first edition the compendium holds. Every
#: date from it builds (an information set with no figure an audit check can use yet gives an audit
#: with no checks; tests/test_infoset.py sweeps it month by month, tests/integration/test_as_of_sweep.py
#: builds the earliest dates).
FIRST_AS_OF = FIRST_EDITION_DATE


def parse_as_of(text: str) -> str:
    """a date YYYY-MM-DD from 2019-08-28 (the first edition's release) to today"""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"got {text!r}, not a date")
    if day.isoformat() < FIRST_AS_OF:
        raise ValueError(f"got {text!r}, before {FIRST_AS_OF} (the release of the first edition: before it there "
                         "is nothing to build from)")
    if day > dt.date.today():
        raise ValueError(f"got {text!r}, after today")
    return day.isoformat()


def _normalise(parse, fmt):
    def check(text: str) -> str:
        return fmt(parse(text))
    check.__doc__ = parse.__doc__
    return check


RUN_NAME = Param(str, "", "name of a parameterised rerun; empty for the default outputs")
#: The date of knowledge: every notebook builds from the information set as of it (analysis/infoset.py).
AS_OF = Param(str, DEFAULT_AS_OF, "date of knowledge: the build uses only what was public on that day",
              parse=parse_as_of)

SPECS: dict[str, dict[str, Param]] = {
    "01_clean": {
        "as_of": AS_OF,
        "tolerance_pct": Param(float, 0.0, "audit: extra slack (percent of the stated value) added to each check's "
                               "tolerance, which is derived from the inputs' stated precision", low=0.0, high=25.0),
    },
    "02_evaluation": {  # the record is the models' own under the prior: no forecast parameter changes it
        "as_of": AS_OF,
    },
    "03_forecast": {
        "as_of": AS_OF,
        "series": Param(str, "all", "which series to forecast", choices=("all",) + SERIES),
        "method": Param(str, "all", "which model to show", choices=("all",) + METHODS),
        "horizon_end": Param(int, REPORT_HORIZON, "last forecast year", low=LAST_DATA_YEAR + 1, high=MAX_HORIZON),
        "levels": Param(str, "0.5,0.8,0.95", "coverages of the prediction intervals (a fan)",
                        parse=_normalise(parse_levels, lambda t: ",".join(f"{x:g}" for x in t))),
        # 2021 is the first data year; 2022 drops intelligent compute's 2021 point; earlier years change nothing
        "train_start": Param(int, FIRST_DATA_YEAR, "first year used for fitting", low=FIRST_DATA_YEAR,
                             high=LAST_DATA_YEAR - 1),
        "growth_override": Param(str, None, "scenario: yearly growth rates replacing the fitted drift, per series",
                                 optional=True, parse=_normalise(parse_growth, lambda d: ",".join(
                                     f"{k}:{v:g}" for k, v in sorted(d.items())))),
        "decay_half_life": Param(float, None, "decay and nowcast models: half-life in years of growth above the "
                                 "long-run rate (none: integrated over the prior, analysis/priors.py)",
                                 low=0.25, high=20.0, optional=True),
        "long_run_growth": Param(float, None, "decay and nowcast models: long-run yearly growth rate, 0.15 = 15% "
                                 "(none: integrated over each series' prior)", low=-0.2, high=1.0, optional=True),
        "run_name": RUN_NAME,
    },
    "04_context_figures": {  # draws what 01_clean wrote; the audit's verdicts are read from audit.csv
        "as_of": AS_OF,
    },
    "05_forecast_figures": {
        "as_of": AS_OF,
        "run_name": RUN_NAME,
    },
    "06_unblinding": {},  # always everything now known (domain.LATEST_AS_OF), beside the default's AS_OF
}


# Parameters set by the build itself, never by a make variable.
INTERNAL = frozenset({"run_name"})
# Make variable names that are not the parameter's upper-case name.
MAKE_NAMES = {"tolerance_pct": "TOLERANCE", "horizon_end": "HORIZON",
              "growth_override": "GROWTH"}
#: The goals that read the parameters (``make test`` builds everything first; no goal is ``all``).
PARAMETER_GOALS = ("all", "forecast", "test")
#: Every other variable make accepts on its command line, with the goals that use it (None: any
#: goal) and what it is. No other name is accepted (internal variables included).
BUILD_VARIABLES: dict[str, tuple[tuple[str, ...] | None, str]] = {
    "RUN": (("forecast",), "name of a parameterised rerun (make forecast)"),
    "REPLACE": (("forecast",), "1: let make forecast replace an existing run that had other parameters"),
    "CELL_TIMEOUT": (("all", "forecast", "test"), "seconds a notebook cell may run (default 600)"),
    "PYTHON": (None, "the Python to run (a plain path), instead of .venv's"),
    "BASE_PYTHON": (None, "the Python that builds .venv (a plain path)"),
    "VENV": (None, "the environment's folder (one folder name in the repository)"),
    "LAB_ARGS": (("lab",), "options for JupyterLab"),
    "FONT_SRC": (("font",), "the folder of Noto Sans CJK SC for make font"),
    "CHROMIUM": (("test",), "the browser for the browser tests (a command, a path or none)"),
    "REPEAT": (("bench",), "repetitions of each measurement of make bench"),
}
CELL_TIMEOUT_MAX = 86400  # a day


def make_name(param: str) -> str:
    return MAKE_NAMES.get(param, param.upper())


def make_variables() -> dict[str, list[tuple[str, str, Param]]]:
    """Every make variable: the (notebook, parameter, spec) it sets, in SPECS order."""
    out: dict[str, list[tuple[str, str, Param]]] = {}
    for notebook, spec in SPECS.items():
        for name, p in spec.items():
            if name not in INTERNAL:
                out.setdefault(make_name(name), []).append((notebook, name, p))
    return out


def _short(value: str, limit: int = 40) -> str:
    """A value as it may appear in a one-line message: repr'd (no raw newline), cut if long."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…' (" + str(len(value)) + " characters)"


def from_environ(notebook: str, environ=None) -> dict[str, Any]:
    """The values the make variables give ``notebook`` (unset or empty: the default), unchecked."""
    environ = os.environ if environ is None else environ
    values = {}
    for name in known(notebook):
        if name in INTERNAL:
            continue
        value = environ.get(make_name(name), "")
        if value != "":
            values[name] = value
    return values


def check_command_line(names, environ=None, goals=None) -> None:
    """Refuse every command-line variable that is not a known name (internal variables of the
    Makefile included), with a suggestion when it looks like one misspelt or miscased; and, when
    make's ``goals`` are known, a known one that none of them uses (``make all REPLACE=1``)."""
    valid = list(make_variables()) + list(BUILD_VARIABLES)
    upper = {v.upper(): v for v in valid}
    for name in names:
        if name not in valid:
            by_parameter = {p.upper(): v for v, uses in make_variables().items() for _, p, _ in uses}
            guess = (upper.get(name.upper()) or by_parameter.get(name.upper())
                     or next(iter(difflib.get_close_matches(name.upper(), valid, 1, 0.75)), None))
            hint = f"; did you mean {guess}?" if guess else ""
            raise ParameterError(f"unknown variable {_short(name)}{hint} (make accepts only the variables "
                                 "`make help` lists, in upper case)")
        if goals is None:
            continue
        uses = PARAMETER_GOALS if name in make_variables() else BUILD_VARIABLES[name][0]
        if uses is not None and not set(goals) & set(uses):
            raise ParameterError(f"{name} is not used by make {' '.join(goals)}; it is for make "
                                 f"{' / make '.join(uses)}")


def check_build_variables(environ=None) -> None:
    """The values of the build variables Python reads: REPLACE, CELL_TIMEOUT, LAB_ARGS, REPEAT."""
    import shlex

    environ = os.environ if environ is None else environ
    if environ.get("REPLACE", "") not in ("", "0", "1"):
        raise ParameterError(f"REPLACE: got {_short(environ['REPLACE'])}; REPLACE must be 1 (replace the run) "
                             "or 0/empty (refuse to)")
    cell_timeout(environ)
    try:
        lab_args = shlex.split(environ.get("LAB_ARGS", ""))
    except ValueError as err:
        raise ParameterError(f"LAB_ARGS: got {_short(environ['LAB_ARGS'])}, which is not a list of options "
                             f"({err}); e.g. LAB_ARGS=\"--no-browser --port 8899\"") from None
    if lab_args:
        check_lab_args(lab_args, environ)
    repeat = environ.get("REPEAT", "")
    if repeat and not (repeat.isdigit() and 1 <= int(repeat) <= 20):
        raise ParameterError(f"REPEAT: got {_short(repeat)}; REPEAT must be an integer from 1 to 20")


#: The options ``LAB_ARGS`` (``make lab``, analysis/pipeline/lab.py) may pass (each as ``--name=value`` or ``--name value``; flags alone).
#: Nothing else: every other Jupyter option is refused (issue 29, N6).
LAB_PORT_OPTIONS = ("--port", "--ServerApp.port", "--port-retries", "--ServerApp.port_retries")
LAB_IP_OPTIONS = ("--ip", "--ServerApp.ip")
LAB_TOKEN_OPTIONS = ("--IdentityProvider.token", "--ServerApp.token")
LAB_DIR_OPTIONS = ("--notebook-dir", "--ServerApp.root_dir")
LAB_FLAGS = ("--no-browser",)
LAB_BROWSER_OPTIONS = ("--ServerApp.open_browser",)
LAB_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")
LAB_ALLOWED = ("--port N, --port-retries N, --no-browser, --ip ADDRESS (other than loopback only with a token), "
           "--IdentityProvider.token TOKEN, --notebook-dir DIR (in the repository)")


def check_lab_args(args: list[str], environ=None) -> list[str]:
    """``args`` if every option is on the allowlist and a non-loopback ``--ip`` has a token; else
    raise :class:`ParameterError` naming the first option refused."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, sep, value = arg.partition("=")
        if name in LAB_FLAGS and not sep:
            i += 1
            continue
        if name not in LAB_PORT_OPTIONS + LAB_IP_OPTIONS + LAB_TOKEN_OPTIONS + LAB_DIR_OPTIONS + LAB_BROWSER_OPTIONS:
            raise ParameterError(f"LAB_ARGS: {_short(arg)} is not allowed (Jupyter options can run code or open "
                                 f"the server); LAB_ARGS takes only {LAB_ALLOWED}")
        if not sep:
            if i + 1 >= len(args):
                raise ParameterError(f"LAB_ARGS: {name} needs a value; LAB_ARGS takes only {LAB_ALLOWED}")
            value = args[i + 1]
            i += 1
        i += 1
        if name in LAB_PORT_OPTIONS and not (value.isascii() and value.isdigit() and 0 <= int(value) <= 65535):
            raise ParameterError(f"LAB_ARGS: {name}={_short(value)}; a port is a whole number from 0 to 65535")
        if name in LAB_BROWSER_OPTIONS and value not in ("True", "False"):
            raise ParameterError(f"LAB_ARGS: {name}={_short(value)}; it takes True or False")
        if name in LAB_DIR_OPTIONS:
            folder = (paths.CODE_ROOT / value).resolve()
            if not folder.is_dir() or not folder.is_relative_to(paths.CODE_ROOT):
                raise ParameterError(f"LAB_ARGS: {name}={_short(value)} is not a folder in the repository")
        values[name.split(".")[-1].lstrip("-")] = value
    ip = values.get("ip", "")
    if ip and ip not in LAB_LOOPBACK:
        token = values.get("token", environ.get("JUPYTER_TOKEN", ""))
        if not token.strip():
            raise ParameterError(f"LAB_ARGS: --ip={_short(ip)} serves Lab beyond this machine; it needs a token "
                                 "(--IdentityProvider.token=…, not empty)")
    return list(args)


def cell_timeout(environ=None) -> int | None:
    """``CELL_TIMEOUT`` in seconds (None: the runner's default, 10 minutes)."""
    environ = os.environ if environ is None else environ
    text = environ.get("CELL_TIMEOUT", "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= CELL_TIMEOUT_MAX):
        raise ParameterError(f"CELL_TIMEOUT: got {_short(text)}; CELL_TIMEOUT must be a whole number of seconds "
                             f"from 1 to {CELL_TIMEOUT_MAX} (default 600)")
    return int(text)


def check_run_name(run: str) -> str:
    if not isinstance(run, str) or not re.fullmatch(RUN_NAME_PATTERN, run):
        raise ParameterError(f"RUN={_short(str(run))} is not a valid run name; a run name is {RUN_NAME_RULE}")
    return run


def known(notebook: str) -> dict[str, Param]:
    try:
        return SPECS[notebook]
    except KeyError:
        raise ParameterError(f"unknown notebook '{notebook}'; known notebooks: {', '.join(SPECS)}") from None


INTEGER_TEXT = r"[+-]?[0-9]{1,6}"
DECIMAL_TEXT = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?"
#: The spellings of "no value" an optional parameter accepts (and every other parameter refuses).
EMPTY_LIKE = ("", "none", "None", "null")


def _convert(name: str, spec: Param, value: Any) -> Any:
    bad = lambda: ParameterError(  # noqa: E731
        f"parameter '{name}': got {_short(value) if isinstance(value, str) else repr(value)}, which is not allowed; {name} must be {spec.allowed()}")
    # "none" and the like mean "no value" only for an optional parameter (its `allowed()` says so);
    # any other parameter's parser sees every value, so a value the check accepts is one that runs.
    plain_text = spec.type is str and spec.parse is None and spec.choices is None  # run_name: its own rule below
    if value is None or (isinstance(value, str) and value.strip() in EMPTY_LIKE and not plain_text):
        if spec.optional:
            return None
        raise bad()
    if spec.type is int:
        if isinstance(value, bool):
            raise bad()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):  # ASCII digits only: int() also takes '２０３０' and '2_030'
            if not re.fullmatch(INTEGER_TEXT, value.strip()):
                raise bad()
            value = int(value.strip())
        if not isinstance(value, int):
            raise bad()
    elif spec.type is float:
        if isinstance(value, bool):
            raise bad()
        if isinstance(value, str) and not re.fullmatch(DECIMAL_TEXT, value.strip()):
            raise bad()  # ASCII only: float() also takes '１.５', '1_0', 'nan' and 'inf'
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise bad() from None
        if value != value or value in (float("inf"), float("-inf")):
            raise bad()
    elif spec.type is str:
        if not isinstance(value, str):
            raise bad()
        value = value.strip()
        if name == "run_name" and value and not re.fullmatch(RUN_NAME_PATTERN, value):
            raise ParameterError(f"parameter 'run_name': got {_short(value)}; a run name is {RUN_NAME_RULE}")
        if spec.parse is not None:
            try:
                value = spec.parse(value)
            except ValueError as err:
                raise ParameterError(f"parameter '{name}': {err}, which is not allowed; {name} must be "
                                     f"{spec.allowed()}") from None
    if spec.choices is not None and value not in spec.choices:
        raise bad()
    if spec.low is not None:
        ok = (spec.low < value < spec.high) if spec.open_interval else (spec.low <= value <= spec.high)
        if not ok:
            raise bad()
    return value


def check(notebook: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validate ``values`` for ``notebook``; return them converted, with defaults filled in."""
    spec = known(notebook)
    unknown = sorted(set(values) - set(spec))
    if unknown:
        raise ParameterError(
            f"unknown parameter {_short(unknown[0])} for notebook {notebook}; known parameters: "
            + ", ".join(f"{k} ({p.allowed()})" for k, p in spec.items()))
    out = {k: p.default for k, p in spec.items()}
    for k, v in values.items():
        out[k] = _convert(k, spec[k], v)
    return out


def dump(values: dict[str, Any]) -> str:
    import yaml  # here, not at the top: the build's checks must start fast

    return yaml.safe_dump(values, sort_keys=True, allow_unicode=True, default_flow_style=False)


def read(path: Path | str) -> dict[str, Any]:
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    return data


def _values(items: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ParameterError(f"expected key=value, got {item!r}")
        if value != "":  # an unset make variable: keep the default
            values[key] = value
    return values


def _main(argv: list[str]) -> int:
    """``check NOTEBOOK key=value ...``: validate only. (It wrote a file named on its command line
    too, anywhere; nothing used that, and an entry point writes only where the project says.)"""
    if not (argv[:1] == ["check"] and len(argv) >= 2):
        print("usage: python -m analysis.pipeline.params check NOTEBOOK [key=value ...]", file=sys.stderr)
        return 2
    try:
        check(argv[1], _values(argv[2:]))
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
