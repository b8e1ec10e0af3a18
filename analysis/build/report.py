"""The index page: every figure, traceable to the notebook cell that drew it, the parameters it
ran with, the data files it read, and a content hash of its inputs.

A committed page cannot name the commit that contains it, and rebuilds must stay
byte-identical, so traceability is by *content*: each notebook's declared inputs (from the
registry, :mod:`analysis.build.steps`: its source, the analysis modules it imports, the data files
it reads, its parameters) are hashed, exactly as the build hashes them to decide staleness,
and the hash is printed beside every figure it drew. Anyone can recompute it with
``python -m analysis.build.report --hashes``. A named run gets the same page,
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
from analysis.build import paths, steps
from analysis.build.atomic import write_text

FORMATS = steps.FORMATS
EXPORT_RE = re.compile(r'charts\.export\(.*?,\s*"(\w+)",', re.S)

CSS = """
body{font-family:"Suanli Sans",system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;max-width:1100px;
margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} .lede{color:#555;margin-top:0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:1.5rem}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:.8rem;background:#fff}
figure img{width:100%;height:auto;display:block} figcaption{font-size:.85rem;color:#333;margin-top:.5rem}
code,.hash{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.8rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem} td,th{border:1px solid #ddd;padding:.25rem .5rem;
text-align:left;vertical-align:top} a{color:#0060a8}
"""


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


def notebook_info(name: str, run: str | None = None) -> dict:
    """Figures drawn (with cell ids), parameters, data read and an input hash for one notebook."""
    out = steps.dirs(run)
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
    step = steps.STEPS[name]
    figures = {f: drawn.get(f, "") for f in step.figures if (out["figures"] / f"{f}.svg").exists()}
    reads = [paths.rel(steps.table_path(t, run)) for t in step.reads]
    if step.reads_raw:
        reads = [paths.rel(p) for p in steps.raw_files()] + reads
    inputs = steps.inputs(name, run)
    heading = next((c.source.splitlines()[0] for c in cells if c.cell_type == "markdown" and c.source), name)
    title = heading.lstrip("# ").strip() or name
    return {"name": name, "title": title, "figures": figures, "params": params, "reads": reads, "inputs": sorted(inputs),
            "hash": steps.key(inputs)}


def _inline_markdown(text: str) -> str:
    """The findings' Markdown (bold, italics, code) as HTML, everything else escaped."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def summary(run: str | None = None) -> list[str]:
    """The findings, first on the page: the audit's (the README's own sentences, from
    :mod:`analysis.findings`) and the forecasts' (from :mod:`analysis.figure_notes`), all read
    from the built tables."""
    import pandas as pd

    from analysis import figure_notes, findings

    out = []
    if not run:
        audit = pd.read_csv(paths.PROCESSED / "audit.csv")
        figures = pd.read_csv(paths.PROCESSED / "figures.csv", dtype={"value_text": str})
        out += findings.audit_findings(audit, figures)
    processed = steps.dirs(run)["processed"]
    comparison = pd.read_csv(processed / "model_comparison.csv")
    track = pd.read_csv(processed / "track_record.csv")
    notes = figure_notes.notes(comparison, track)
    forecast = notes["ai_server_market"] + notes["compute_growth"]
    if forecast:
        out.append("**What the forecasts say.** " + " ".join(forecast))
    if notes["track_record"]:
        out.append("**The report's track record.** " + " ".join(notes["track_record"]))
    return out


def figure_title(folder, fig: str) -> str:
    """The figure's own title (from its Vega-Lite spec), for captions and alt text."""
    spec = json.loads((folder / f"{fig}.vl.json").read_text(encoding="utf-8"))
    title = spec.get("title", fig)
    return title.get("text", fig) if isinstance(title, dict) else str(title)


def build(run: str | None = None) -> str:
    names = steps.run_steps() if run else list(steps.STEPS)
    infos = [notebook_info(n, run) for n in names]
    figdir = steps.dirs(run)["figures"]
    rows, cards = [], []
    for info in infos:
        prm = ", ".join(f"<code>{html.escape(k)} = {html.escape(v)}</code>" for k, v in info["params"].items())
        rows.append(f"<tr><td><a href=\"{info['name']}.html\">{info['name']}</a> "
                    f"(<a href=\"../notebooks/{info['name']}.ipynb\">ipynb</a>)</td><td>{prm or '–'}</td>"
                    f"<td>{'<br>'.join(html.escape(r) for r in info['reads']) or '–'}</td>"
                    f"<td class=hash>{info['hash'][:16]}</td></tr>")
        for fig, cell in info["figures"].items():
            fmt = " · ".join(f"<a href=\"../figures/{fig}.{ext}\">{ext}</a>" for ext in FORMATS)
            files_hash = sha256(b"".join((figdir / f"{fig}.{ext}").read_bytes() for ext in FORMATS))
            name = html.escape(figure_title(figdir, fig))
            cards.append(
                f"<figure id=\"{fig}\"><a href=\"../figures/{fig}.html\"><img src=\"../figures/{fig}.svg\" "
                f"alt=\"{name}\"></a><figcaption><b>{name}</b> — drawn by "
                f"<a href=\"{info['name']}.html#cell-id={cell}\">a cell of notebook {html.escape(info['title'])}</a>. "
                f"Files: {fmt}.<br>"
                f"Inputs hash <span class=hash>{info['hash'][:16]}</span> · files hash "
                f"<span class=hash>{files_hash[:16]}</span></figcaption></figure>")
    # The pinned environment is not an input of any one step (a changed pin reruns nothing), but
    # the page's overall hash covers it.
    requirements = paths.ROOT / "requirements.txt"
    pins = sha256(requirements.read_bytes()) if requirements.exists() else ""
    overall = sha256(("".join(i["hash"] for i in infos) + pins).encode())
    title = "" if not run else html.escape(f" — run {run}")
    if run:
        data = " · ".join(f'<a href="../processed/{t}.csv">{t}.csv</a>' for n in names for t in steps.STEPS[n].tables)
        data_line = f"<p>This run's tables: {data}. Parameters: <a href=\"../params.yaml\">params.yaml</a>.</p>"
    else:
        data_line = ('<p>Data: <a href="../data/datapackage.json">data/datapackage.json</a> (Frictionless) ·\n'
                     '<a href="../data/processed/codebook.csv">codebook</a> · '
                     '<a href="../data/processed/audit.csv">audit table</a>.</p>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>suanli — figure index</title><style>{fonts.css()}
{CSS}</style></head><body>
<h1>suanli 算力 — China's AI compute build-out{title}</h1>
<p class="lede">Figures of the IDC–Inspur <i>2023–2024 China AI Computing Power Development Assessment Report</i>
and earlier editions, as transcribed, audited and forecast by this compendium. Information cut-off: 2023-12-07.
Click a figure for its interactive version (tooltips); the caption links the notebook cell that drew it.</p>
<p>Content hash of all inputs: <span class="hash">{overall}</span>
(the notebooks' input hashes and <code>requirements.txt</code>; see each with
<code>python -m analysis.build.report --hashes</code>).</p>
<h2>What it finds</h2>
<ul class="findings">
{chr(10).join(f"<li>{_inline_markdown(s)}</li>" for s in summary(run))}
</ul>
<h2>Figures</h2>
<div class="grid">
{chr(10).join(cards)}
</div>
<h2>Notebooks, parameters and data read</h2>
<table><tr><th>Notebook (rendered)</th><th>Parameters</th><th>Data files read</th><th>Inputs hash</th></tr>
{chr(10).join(rows)}
</table>
{data_line}
</body></html>
"""


def write(run: str | None = None) -> None:
    target = steps.dirs(run)["reports"] / "index.html"
    write_text(target, build(run), touch=True)
    print(f"report: wrote {paths.rel(target)}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--hashes"]:
        for n in steps.STEPS:
            info = notebook_info(n)
            print(f"{info['hash']}  {n}  ({', '.join(info['inputs'])})")
        return 0
    write(None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
