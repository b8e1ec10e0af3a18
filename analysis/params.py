"""Notebook parameters: one typed specification per notebook, checked before a kernel starts.

Papermill only *warns* about unknown parameters and checks no types, so a typo in
``make forecast HORIZON=203`` would otherwise run for a minute and produce nonsense. Every
notebook's parameters are declared here once. Three places use the declaration:

* ``python -m analysis.params write NOTEBOOK FILE key=value ...`` (called by the Makefile)
  validates the values and writes the parameters file only when its content changes, so make
  reruns exactly what a changed parameter affects, and a bad value exits 2 in well under a
  second, before any kernel starts;
* the notebook runner rejects unknown names and bad values again before executing;
* each notebook's validation cell calls :func:`check`, so a notebook run by hand is held to
  the same rules.

This module imports nothing heavy: it must stay fast.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from analysis.domain import FIRST_DATA_YEAR, LAST_DATA_YEAR, MAX_HORIZON, REPORT_HORIZON
from analysis.domain import FORECAST_SERIES as SERIES

METHODS = ("drift", "decay", "loglinear", "ets", "combination")


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


def parse_levels(text: str) -> tuple[float, ...]:
    """a comma-separated list of 1 to 5 interval levels, each strictly between 0 and 1 (e.g. 0.5,0.8,0.95)"""
    try:
        levels = tuple(sorted({float(x) for x in text.split(",")}))
    except ValueError:
        raise ValueError(f"got {text!r}") from None
    if not 1 <= len(levels) <= 5 or not all(0 < x < 1 for x in levels):
        raise ValueError(f"got {text!r}")
    return levels


def parse_growth(text: str) -> dict[str, float]:
    """a yearly growth rate from -0.5 to 2 (0.2 = 20%) for every series, or per series as series:rate,… (e.g. ai_server_market:0.3,general_compute:0.1)"""
    out: dict[str, float] = {}
    for item in text.split(","):
        name, sep, rate = item.strip().rpartition(":")
        names = (name.strip(),) if sep else SERIES
        try:
            r = float(rate)
        except ValueError:
            raise ValueError(f"got {text!r}") from None
        if not sep and len(text.split(",")) > 1 or any(n not in SERIES for n in names) or not -0.5 <= r <= 2.0:
            raise ValueError(f"got {text!r}")
        for n in names:
            if n in out:
                raise ValueError(f"got {text!r} (series {n} twice)")
            out[n] = r
    return out


def _normalise(parse, fmt):
    def check(text: str) -> str:
        return fmt(parse(text))
    check.__doc__ = parse.__doc__
    return check


RUN_NAME = Param(str, "", "name of a parameterised rerun; empty for the default outputs")

SPECS: dict[str, dict[str, Param]] = {
    "01_clean": {
        "tolerance_pct": Param(float, 0.0, "audit: extra slack (percent of the stated value) added to each check's "
                               "tolerance, which is derived from the inputs' stated precision", low=0.0, high=25.0),
    },
    "02_forecast": {
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
        "decay_half_life": Param(float, 1.5, "decay model: half-life in years of growth above the long-run rate",
                                 low=0.25, high=20.0),
        "long_run_growth": Param(float, 0.15, "decay model: long-run yearly growth rate (0.15 means 15%)",
                                 low=-0.2, high=1.0),
        "run_name": RUN_NAME,
    },
    "03_context_figures": {},  # draws what 01_clean wrote; the audit's verdicts are read from audit.csv
    "04_forecast_figures": {
        "run_name": RUN_NAME,
    },
}


def known(notebook: str) -> dict[str, Param]:
    try:
        return SPECS[notebook]
    except KeyError:
        raise ParameterError(f"unknown notebook '{notebook}'; known notebooks: {', '.join(SPECS)}") from None


def _convert(name: str, spec: Param, value: Any) -> Any:
    bad = lambda: ParameterError(  # noqa: E731
        f"parameter '{name}': got {value!r}, which is not allowed; {name} must be {spec.allowed()}")
    if value is None or (isinstance(value, str) and value.strip() in ("", "none", "None", "null")):
        if spec.optional:
            return None
        if spec.type is str and spec.choices is None:
            return ""
        raise bad()
    if spec.type is int:
        if isinstance(value, bool):
            raise bad()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise bad() from None
        if not isinstance(value, int):
            raise bad()
    elif spec.type is float:
        if isinstance(value, bool):
            raise bad()
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
        if name == "run_name" and value and not all(c.isalnum() or c in "-_." for c in value):
            raise ParameterError(f"parameter 'run_name': got {value!r}; use letters, digits, '-', '_' or '.'")
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
            f"unknown parameter '{unknown[0]}' for notebook {notebook}; known parameters: "
            + ", ".join(f"{k} ({p.allowed()})" for k, p in spec.items()))
    out = {k: p.default for k, p in spec.items()}
    for k, v in values.items():
        out[k] = _convert(k, spec[k], v)
    return out


def dump(values: dict[str, Any]) -> str:
    return yaml.safe_dump(values, sort_keys=True, allow_unicode=True, default_flow_style=False)


def read(path: Path | str) -> dict[str, Any]:
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


def _stale(argv: list[str]) -> int:
    """``stale DIR NOTEBOOK key=value ... -- NOTEBOOK ...``: print the parameters files in DIR
    whose content would change (for ``make -q``/``make -n``, which must not write them)."""
    folder, groups, current = Path(argv[0]), [], []
    for item in argv[1:] + ["--"]:
        if item == "--":
            if current:
                groups.append(current)
            current = []
        else:
            current.append(item)
    stale = []
    for notebook, *items in groups:
        target = folder / f"{notebook}.yml"
        try:
            text = dump(check(notebook, _values(items)))
        except ParameterError:
            text = None  # a bad value: the real run reports it
        if text is None or not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(target.as_posix())
    print(" ".join(stale))
    return 0


def _main(argv: list[str]) -> int:
    """``write NOTEBOOK FILE key=value ...``: validate, then write FILE only if it changes;
    ``check NOTEBOOK key=value ...``: validate only."""
    if argv[:1] == ["stale"] and len(argv) >= 2:
        return _stale(argv[1:])
    writing = argv[:1] == ["write"] and len(argv) >= 3
    if not (writing or (argv[:1] == ["check"] and len(argv) >= 2)):
        print("usage: python -m analysis.params write NOTEBOOK FILE [key=value ...]\n"
              "       python -m analysis.params check NOTEBOOK [key=value ...]", file=sys.stderr)
        return 2
    notebook, items = argv[1], argv[3:] if writing else argv[2:]
    try:
        checked = check(notebook, _values(items))
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if writing:
        from analysis.atomic import write_text

        write_text(Path(argv[2]), dump(checked), touch=False)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
