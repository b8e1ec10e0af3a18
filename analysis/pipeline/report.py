"""The index page: every figure, traceable to the notebook cell that drew it, the parameters it
ran with, the data files it read, and a content hash of its inputs.

A committed page cannot name the commit that contains it, and rebuilds must stay
byte-identical, so traceability is by *content*: each notebook's declared inputs (from the
registry, :mod:`analysis.pipeline.registry`: its source, the analysis modules it imports, the data files
it reads, its parameters) are hashed as the build hashes them to decide staleness, except that
the raw layer is represented by the information set the step used (:func:`provenance`), and
the hash is printed beside every figure it drew. Anyone can recompute it with
``python -m analysis.pipeline.report --hashes``. A named run gets the same page,
``runs/<name>/reports/index.html``, over its own notebooks and figures.

The page references only files in this repository (relative links) and embeds its styles:
it makes no network request.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import sys

from analysis import fonts  # fonts: the page embeds Suanli Sans (算力 draws without a CJK font)
from analysis.base import paths
from analysis.pipeline import engine, registry
from analysis.base.atomic import read_csv, write_text

FORMATS = registry.FORMATS
EXPORT_RE = re.compile(r'charts\.export\(.*?,\s*"(\w+)",', re.S)

CSS = """
*,*::before,*::after{box-sizing:border-box}
body{font-family:"Suanli Sans",system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;max-width:1040px;
margin:1rem auto;padding:0 .9rem;color:#1b1b1b;line-height:1.45;overflow-wrap:break-word}
h1{font-size:clamp(1.2rem,4.5vw,1.6rem);margin:.2rem 0} .lede{color:#555;margin:.2rem 0 .6rem}
.headline{font-size:1.02rem;margin:.4rem 0 .8rem}
figure{margin:0 0 1.5rem;border-top:1px solid #ddd;padding-top:.6rem;min-width:0}
/* a figure keeps its natural size (its text is never shrunk below what was drawn): wider than the window, it scrolls */
.scroll{overflow-x:auto;max-width:100%} .scroll img{max-width:none;height:auto;display:block}
figcaption{font-size:.9rem;color:#333;margin-top:.4rem}
details{margin:.3rem 0} summary{cursor:pointer;color:#0060a8}
code,.hash{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.8rem}
.hash{overflow-wrap:anywhere;word-break:break-all}
table{border-collapse:separate;border-spacing:0;font-size:.85rem;margin:.5rem 0 1rem} td,th{border:1px solid #ddd;
padding:.25rem .5rem;text-align:left;vertical-align:top;background:#fff} th{background:#f4f4f4}
/* a wide table scrolls in its box, its first column fixed */
.scroll td:first-child,.scroll th:first-child{position:sticky;left:0;z-index:1;min-width:8rem}
td{min-width:7rem} a{color:#0060a8} ul.findings li{margin-bottom:.4rem}
@media (max-width:420px){body{padding:0 .5rem}}
"""
#: The gallery opens with the headline figures: the forecasts, NVIDIA, the audit; the others follow
#: in the registry's order.
GALLERY = ("unblinding", "ai_server_market", "compute_growth", "nvidia_revenue", "audit", "model_comparison", "track_record")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Cell:
    """The few fields of a notebook cell the index page reads."""

    def __init__(self, cell: dict):
        source = cell.get("source", "")
        self.cell_type, self.id = cell.get("cell_type", ""), cell.get("id", "")
        self.source = "".join(source) if isinstance(source, list) else source
        self.metadata = cell.get("metadata", {})


def _cells(path) -> list[_Cell]:
    """A committed notebook's cells, read as plain JSON: the runner wrote and validated it (nbformat
    4.5), and importing nbformat would cost this page a fifth of a second on every rebuild."""
    return [_Cell(c) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]


def information_set(name: str, run: str | None = None):
    """Where the information set a raw-reading step used is listed (its own output table: a step
    that builds its own, such as 06_unblinding's as of the newest row, lists it in a table of its own)."""
    own = [t for t in registry.STEPS[name].tables if t.endswith("information_set")]
    return engine.dirs(run)["processed"] / f"{own[0] if own else 'information_set'}.csv"


def provenance(name: str, run: str | None = None) -> dict[str, str]:
    """A step's inputs as its provenance: what :func:`analysis.pipeline.engine.inputs` hashes, except
    that a step reading the raw layer is traced to the information set it used (the rows public by
    its date, listed in ``information_set.csv``), not to the raw files, which may hold later rows
    that change nothing. (Staleness still follows the raw files' bytes: a later row reruns the
    step, which then writes the same bytes.)"""
    inputs = engine.inputs(name, run)
    if not registry.STEPS[name].reads_raw:
        return inputs
    kept = {k: v for k, v in inputs.items() if not k.startswith("data/raw/")}
    listed = information_set(name, run)
    kept["information set (information_set.csv)"] = sha256(listed.read_bytes()) if listed.exists() else ""
    return kept


def notebook_info(name: str, run: str | None = None) -> dict:
    """Figures drawn (with cell ids), parameters, data read and an input hash for one notebook."""
    out = engine.dirs(run)
    cells = _cells(out["notebooks"] / f"{name}.ipynb")
    drawn = {}
    params = {}
    for cell in cells:
        if cell.cell_type != "code":
            continue
        for fig in EXPORT_RE.findall(cell.source):
            drawn[fig] = cell.id
        if "injected-parameters" in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                if " = " in line and not line.startswith("#"):
                    k, v = line.split(" = ", 1)
                    params[k.strip()] = v.strip()
    step = registry.STEPS[name]
    figures = {f: drawn.get(f, "") for f in step.figures if (out["figures"] / f"{f}.svg").exists()}
    reads = [paths.rel(engine.table_path(t, run)) for t in step.reads]
    inputs = provenance(name, run)
    if step.reads_raw:
        reads = [f"the information set as of its date ({paths.rel(information_set(name, run))})"] + reads
    heading = next((c.source.splitlines()[0] for c in cells if c.cell_type == "markdown" and c.source), name)
    title = heading.lstrip("# ").strip() or name
    return {"name": name, "title": title, "figures": figures, "params": params, "reads": reads, "inputs": sorted(inputs),
            "hash": engine.key(inputs)}


def _inline_markdown(text: str) -> str:
    """The findings' Markdown (bold, italics, code) as HTML, everything else escaped."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def ready() -> None:
    """Import what :func:`summary` imports (pandas and the science modules that write the page's
    sentences): the index page's process, started ahead by the build, pays this while the steps run.
    The unblinding's sentences come from :mod:`analysis.unblinding_notes`, not the scoring module
    (which imports SciPy and the forecasting: about 1 s in every build)."""
    import pandas  # noqa: F401

    from analysis import audit, figure_notes, findings, unblinding_notes  # noqa: F401


def summary(run: str | None = None) -> list[str]:
    """The findings, first on the page: the audit's (the README's own sentences, from
    :mod:`analysis.findings`) and the forecasts' (from :mod:`analysis.figure_notes`), all read
    from the built tables."""
    import pandas as pd

    from analysis import figure_notes, findings

    out = []
    if not run or "01_clean" in engine.executed(run):  # a run that rebuilt the audit says what its audit finds
        audit = pd.read_csv(engine.table_path("audit", run))
        figures = pd.read_csv(engine.table_path("figures", run), dtype={"value_text": str})
        from analysis import audit as audit_checks

        made = set(audit["check_id"])
        if made >= {c.id for c in audit_checks.CHECKS}:
            series = pd.read_csv(engine.table_path("series", run))
            out += findings.audit_findings(audit, figures, series)
        else:  # an earlier information set: the findings are written for the article's; the table speaks
            out.append(f"**The audit.** {len(made)} of the {len(audit_checks.CHECKS)} checks can be made with what was "
                       "public by then; its table holds them.")
    comparison = read_csv(engine.table_path("model_comparison", run))
    evaluation = read_csv(engine.table_path("evaluation", run))
    summary_table = read_csv(engine.table_path("evaluation_summary", run))
    scored = engine.table_path("registered_scores", run)
    if not run and scored.exists():  # the registered forecasts against what happened open the forecast part
        from analysis import unblinding_notes

        lines = unblinding_notes.sentences(read_csv(scored))
        rec = engine.table_path("unblinding_record", run)
        if rec.exists():
            lines.append(unblinding_notes.record_sentence(read_csv(rec)))
        out += ["**What December 2023 said about 2024, and what happened.** " + lines[0]] + lines[1:]
    # the same two bullets as the README's generated blocks: one forecast summary, one record summary
    forecasts = read_csv(engine.table_path("forecasts", run))
    plausibility = read_csv(engine.table_path("plausibility", run))
    bullets = [figure_notes.readme_forecasts(comparison, plausibility, forecasts,
                                             figure_notes.implied_report_growth(forecasts)),
               figure_notes.readme_record(evaluation, summary_table)]
    out += [b.strip().removeprefix("* ") for b in bullets if b.strip()]
    return out


def figure_title(folder, fig: str) -> str:
    """The figure's own title (from its Vega-Lite spec), for captions and alt text."""
    spec = json.loads((folder / f"{fig}.vl.json").read_text(encoding="utf-8"))
    title = spec.get("title", fig)
    text = title.get("text", fig) if isinstance(title, dict) else str(title)
    return " ".join(text) if isinstance(text, list) else text


def build(run: str | None = None) -> str:
    names = engine.executed(run) if run else list(registry.STEPS)  # the steps the run executed
    infos = [notebook_info(n, run) for n in names]
    figdir = engine.dirs(run)["figures"]
    rows, cards, hashes = [], {}, {}
    for info in infos:
        prm = ", ".join(f"<code>{html.escape(k)} = {html.escape(v)}</code>" for k, v in info["params"].items())
        rows.append(f"<tr><td><a href=\"{info['name']}.html\">{html.escape(info['title'])}</a> "
                    f"(<a href=\"../notebooks/{info['name']}.ipynb\">notebook</a>)</td><td>{prm or '–'}</td>"
                    f"<td>{'<br>'.join(html.escape(r) for r in info['reads']) or '–'}</td>"
                    f"<td class=hash>{info['hash'][:16]}</td></tr>")
        for fig, cell in info["figures"].items():
            fmt = " · ".join(f"<a href=\"../figures/{fig}.{ext}\">{ext}</a>" for ext in FORMATS)
            files_hash = sha256(b"".join((figdir / f"{fig}.{ext}").read_bytes() for ext in FORMATS))
            name = html.escape(figure_title(figdir, fig))
            cards[fig] = (
                f"<figure id=\"{fig}\"><div class=scroll><a href=\"../figures/{fig}.html\"><img src=\"../figures/{fig}.svg\" "
                f"alt=\"{name}\"></a></div><figcaption><b>{name}</b> · <a href=\"../figures/{fig}.html\">interactive "
                f"(tooltips)</a><details><summary>Where it comes from</summary>Drawn by "
                f"<a href=\"{info['name']}.html#cell-id={cell}\">a cell of notebook {html.escape(info['title'])}</a>. "
                f"Files: {fmt}. Inputs hash <span class=hash>{info['hash'][:16]}</span>.</details></figcaption></figure>")
            hashes[fig] = (f"<tr><td><a href=\"#{fig}\">{fig}</a></td><td>{info['name']}</td>"
                           f"<td class=hash>{info['hash'][:16]}</td><td class=hash>{files_hash[:16]}</td></tr>")
    order = [f for f in GALLERY if f in cards] + [f for f in cards if f not in GALLERY]
    # The pinned environment is not an input of any one step (a changed pin reruns nothing), but
    # the page's overall hash covers it.
    requirements = paths.ROOT / "requirements.txt"
    pins = sha256(requirements.read_bytes()) if requirements.exists() else ""
    overall = sha256(("".join(i["hash"] for i in infos) + pins).encode())
    title = "" if not run else html.escape(f" — run {run}")
    as_of = next((i["params"]["as_of"].strip("'\"") for i in infos if "as_of" in i["params"]), "")
    if run:
        data = " · ".join(f'<a href="../processed/{t}.csv">{t}.csv</a>' for n in names for t in registry.STEPS[n].tables)
        data_line = f"<p>This run's tables: {data}. Parameters: <a href=\"../params.yaml\">params.yaml</a>.</p>"
    else:
        data_line = ('<p>Data: <a href="../data/datapackage.json">data/datapackage.json</a> (Frictionless) ·\n'
                     '<a href="../data/processed/codebook.csv">codebook</a> · '
                     '<a href="../data/processed/audit.csv">audit table</a>.</p>')
    found = summary(run)
    # the headline: the first finding's bold sentence (the whole finding opens the list below)
    lead = re.match(r"\*\*(.+?)\*\*", found[0]) if found else None
    headline = (_inline_markdown(f"**{lead.group(1)}**") + ' <a href="#findings">All the findings ↓</a>' if lead
                else _inline_markdown(found[0]) if found else "")
    rest = found if lead else found[1:]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>suanli — figure index</title><style>{fonts.css()}
{CSS}</style></head><body>
<h1>suanli 算力 — China's AI compute build-out{title}</h1>
<p class="lede">The IDC–Inspur <i>2023–2024 China AI Computing Power Development Assessment Report</i> and earlier
editions, transcribed, audited and forecast. Information set as of
{html.escape(as_of)}: only what was public by then.</p>
<p class="headline">{headline}</p>
{cards[order[0]] if order else ""}
<h2 id="findings">What it finds</h2>
<ul class="findings">
{chr(10).join(f"<li>{_inline_markdown(s)}</li>" for s in rest)}
</ul>
<h2>More figures</h2>
<p>Each figure is drawn at its own size (swipe a wide one sideways); tap it for its interactive version.</p>
{chr(10).join(cards[f] for f in order[1:])}
<h2>How it was made</h2>
<details><summary>Notebooks, parameters and data read</summary>
<div class=scroll><table><tr><th>Notebook</th><th>Parameters</th><th>Data read</th><th>Inputs hash</th></tr>
{chr(10).join(rows)}
</table></div>
{data_line}
</details>
<details><summary>Hashes</summary>
<p>Content hash of all inputs: <span class="hash">{overall}</span>
(the notebooks' input hashes and <code>requirements.txt</code>; see each with
<code>python -m analysis.pipeline.report --hashes</code>). Each figure's inputs hash is that of the
notebook that drew it; its files hash covers its {len(FORMATS)} files.</p>
<div class=scroll><table><tr><th>Figure</th><th>Notebook</th><th>Inputs hash</th><th>Files hash</th></tr>
{chr(10).join(hashes[f] for f in order)}
</table></div>
</details>
</body></html>
"""


def write(run: str | None = None) -> None:
    target = engine.dirs(run)["reports"] / "index.html"
    write_text(target, build(run), touch=True)
    print(f"report: wrote {paths.rel(target)}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--hashes"]:
        for n in registry.STEPS:
            info = notebook_info(n)
            print(f"{info['hash']}  {n}  ({', '.join(info['inputs'])})")
        return 0
    write(None)
    return 0



def run_index(run: str | None = None) -> bool:
    """Write the index page if its inputs (the notebooks' records, this code, the font) changed, or
    the page itself was edited; return whether it was written."""
    inp = engine.index_inputs(run)
    state = engine.load_state("index", run)
    page = engine.dirs(run)["reports"] / "index.html"
    if state.get("inputs") == inp and page.is_file() and \
            engine.sha256_file(page) == state.get("outputs", {}).get(paths.rel(page)):
        return False
    write(run)
    engine._record("index", run, inp, [page])
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
