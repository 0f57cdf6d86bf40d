#!/usr/bin/python3
"""Writes bench/RESULTS.md from one run of bench/run-all.sh: the machine, the commands, every figure as a ratio
against its anchor (tables), peak memory, and PNG plots where a picture reads better (bench/plots/).

    /usr/bin/python3 bench/report.py BENCH_OUT [RESULTS_MD]

BENCH_OUT holds run.json (written by run-all.sh: profile, command, times, each benchmark's status) and one
<bench>.json per benchmark (bench/benchjson.py). RESULTS_MD defaults to bench/RESULTS.md; the plots go to plots/
beside it and are linked relatively. Standard library and matplotlib only.
"""
import datetime
import json
import os
import platform
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ORDER = ["transcode", "sweep", "upload", "delivery", "storage", "security", "watermark"]
PRESET_ORDER = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"]


# -- the machine ----------------------------------------------------------------------------------------------------
def sh(*cmd):
    """First line of a command's output (stdout, else stderr), or "" if it cannot run."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else ""


def read_key(path, key, sep=":"):
    """The value of the first line KEY<sep>value of a file, or ""."""
    try:
        for line in open(path):
            k, s, v = line.partition(sep)
            if s and k.strip() == key:
                return v.strip().strip('"')
    except OSError:
        pass
    return ""


def cmake_cache(key):
    for line in open_or_empty(os.path.join(REPO, "build", "CMakeCache.txt")):
        if line.startswith(key + ":"):
            return line.split("=", 1)[1].strip()
    return ""


def open_or_empty(path):
    try:
        return open(path).read().splitlines()
    except OSError:
        return []


def debian_version():
    lines = open_or_empty("/etc/debian_version")
    return lines[0] if lines else "?"


def machine():
    """(label, value) rows describing the machine and the software measured."""
    mem_kib = int(read_key("/proc/meminfo", "MemTotal").split()[0] or 0)
    compiler = cmake_cache("CMAKE_CXX_COMPILER")
    pkg = lambda name: sh("pkg-config", "--modversion", name)  # noqa: E731
    return [
        ("CPU", f"{os.cpu_count()} x {read_key('/proc/cpuinfo', 'model name')}"),
        ("RAM", f"{mem_kib / 1048576:.1f} GiB"),
        ("kernel", platform.release()),
        ("OS", f"{read_key('/etc/os-release', 'PRETTY_NAME', '=')} (Debian {debian_version()})"),
        ("compiler", sh(compiler, "--version") if compiler else "?"),
        ("build type", f"{cmake_cache('CMAKE_BUILD_TYPE')}, flags "
                       f"`{cmake_cache('CMAKE_CXX_FLAGS_' + cmake_cache('CMAKE_BUILD_TYPE').upper())}` "
                       "(build/CMakeCache.txt)"),
        ("x265", f"{pkg('x265')} (pkg-config)"),
        ("FFmpeg", f"{sh('ffmpeg', '-version')}; libavcodec {pkg('libavcodec')}"),
        ("Orthanc", sh("Orthanc", "--version")),
        ("nginx", sh("nginx", "-v")),
        ("Node.js", sh("node", "--version")),
        ("Ceph", sh("ceph", "--version")),
    ]


# -- formatting -----------------------------------------------------------------------------------------------------
def num(x):
    """A measured number with about three significant digits; "—" for none."""
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if isinstance(x, int):
        return str(x)
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def goal_text(f):
    if not f.get("goal"):
        return "—"
    return f"{'ratio' if f.get('goal_of', 'ratio') == 'ratio' else 'ours'} {f['goal']}"


def met_text(f):
    return {True: "**met**", False: "**not met**"}.get(f.get("met"), "—")


def with_p95(value, p95):
    return num(value) if p95 is None else f"{num(value)} (p95 {num(p95)})"


def cell(x):
    """A cell of a table: text as it is, an integer whole, any other number with 4 significant digits."""
    if x is None:
        return "—"
    if isinstance(x, (str, int)):
        return str(x)
    return f"{x:.4g}"


def md_table(columns, rows):
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def rel(path, start):
    return os.path.relpath(path, start)


# -- sections -------------------------------------------------------------------------------------------------------
def figures_table(doc):
    rows = []
    for f in doc["figures"]:
        rows.append([f["name"], with_p95(f["ours"], f.get("ours_p95")), with_p95(f["anchor"], f.get("anchor_p95")),
                     f["unit"], num(f["ratio"]), "higher" if f["higher_is_better"] else "lower", goal_text(f),
                     met_text(f)])
    return md_table(["figure", "ours", "anchor", "unit", "ours / anchor", "better", "goal", "met"], rows)


def figure_details(doc):
    """What ours and the anchor are, and notes, one bullet per figure that has any."""
    lines = []
    for f in doc["figures"]:
        parts = []
        if f.get("ours_label"):
            parts.append(f"ours = {f['ours_label']}")
        if f.get("anchor_label"):
            parts.append(f"anchor = {f['anchor_label']}")
        if f.get("first_read_ms") is not None:
            parts.append(f"first read of the object {num(f['first_read_ms'])} ms")
        if f.get("note"):
            parts.append(f["note"])
        if parts:
            lines.append(f"- *{f['name']}*: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def bench_section(name, doc, status, plots):
    out = [f"## {doc['title'] if doc else name}", ""]
    if status and status.get("status") != 0:
        out += [f"**Failed** (exit {status.get('status')}); log: `{status.get('log')}`.", ""]
    if not doc:
        return out + ["No figures (the benchmark did not write its JSON).", ""]
    timing = f" ({status['seconds']:.0f} s)" if status and status.get("seconds") is not None else ""
    out += [f"Command: `{doc['command']}`{timing}", ""]
    out += [" ".join(doc.get("notes", [])), ""] if doc.get("notes") else []
    out += [figures_table(doc), ""]
    details = figure_details(doc) if name != "sweep" else ""
    out += [details, ""] if details else []
    for plot_title, plot_path in plots:
        out += [f"![{plot_title}]({plot_path})", ""]
    for t in doc.get("tables", []):
        out += [f"**{t['title']}**", "", md_table(t["columns"], t["rows"]), ""]
    return out


def memory_section(docs):
    rows = []
    for name in ORDER:
        for m in docs.get(name, {}).get("memory", []):
            anchor = num(m.get("anchor_peak_rss_mib"))
            if m.get("anchor_label") and m.get("anchor_peak_rss_mib") is not None:
                anchor += f" ({m['anchor_label']})"
            rows.append([name, m["name"], num(m["peak_rss_mib"]), anchor, m.get("note", "")])
    if not rows:
        return []
    return ["## Peak memory", "", "Peak resident set size of each process measured (the anchor's where it has one).",
            "", md_table(["benchmark", "what", "ours MiB", "anchor MiB", "note"], rows), ""]


def goals_summary(docs):
    rows = []
    for name in ORDER:
        for f in docs.get(name, {}).get("figures", []):
            if f.get("goal"):
                value = f["ratio"] if f.get("goal_of", "ratio") == "ratio" else f["ours"]
                unit = "" if f.get("goal_of", "ratio") == "ratio" else f" {f['unit']}"
                rows.append([name, f["name"], num(value) + unit, goal_text(f), met_text(f)])
    return md_table(["benchmark", "figure", "value", "goal", "met"], rows) if rows else "(no goals in this run)"


# -- plots ----------------------------------------------------------------------------------------------------------
def load_pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        print("report.py: matplotlib missing (apt-get install python3-matplotlib): no plots", file=sys.stderr)
        return None


COLORS = {True: "#2e7d32", False: "#c62828", None: "#757575"}


def overview_rows(docs):
    """(label, ratio, goal on the ratio or None, met) and (label, measured / absolute goal, met) for the plot."""
    ratio_rows, budget_rows = [], []
    for name in ORDER:
        for f in docs.get(name, {}).get("figures", []):
            if f.get("in_overview") is False:
                continue
            arrow = "higher is better" if f["higher_is_better"] else "lower is better"
            if f["ratio"] is not None:
                goal = float(f["goal"].split()[1]) if f.get("goal") and f.get("goal_of") == "ratio" else None
                label = textwrap.fill(f"{name}: {f['name']} ({arrow})", 70)
                ratio_rows.append((label, f["ratio"], goal, f["met"] if goal is not None else None))
            if f.get("goal") and f.get("goal_of") == "ours" and f["ours"] is not None:
                label = textwrap.fill(f"{name}: {f['name']} (goal {f['goal']})", 70)
                budget_rows.append((label, f["ours"] / float(f["goal"].split()[1]), f["met"]))
    return ratio_rows, budget_rows


def lollipops(ax, rows, origin):
    """One horizontal stick per row from ORIGIN to its value, coloured by its goal; values printed beside."""
    ys = list(range(len(rows)))[::-1]
    for y, row in zip(ys, rows):
        value, met = row[1], row[-1]
        ax.plot([origin, value], [y, y], color=COLORS[met], linewidth=3, solid_capstyle="butt")
        ax.plot([value], [y], "o", color=COLORS[met], markersize=6)
        ax.annotate(f"{value:.3g}", (value, y), textcoords="offset points", xytext=(6 if value >= origin else -6, 4),
                    ha="left" if value >= origin else "right", fontsize=8)
    ax.set_yticks(ys, [r[0] for r in rows], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="x", alpha=0.3, which="both")
    return ys


def plot_ratios(plt, docs, path):
    """Every ratio against its anchor (log scale, parity at 1, its goal marked); then absolute goals as a share of
    the goal (at most 1 = met)."""
    ratio_rows, budget_rows = overview_rows(docs)
    if not ratio_rows:
        return False
    heights = [len(ratio_rows) + 1] + ([len(budget_rows) + 1] if budget_rows else [])
    fig, axes = plt.subplots(len(heights), 1, figsize=(12, 0.42 * sum(heights) + 1.8),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    ax = axes[0][0]
    ax.set_xscale("log")
    ys = lollipops(ax, ratio_rows, 1.0)
    for y, (_, _, goal, _) in zip(ys, ratio_rows):
        if goal is not None:
            ax.plot([goal, goal], [y - 0.35, y + 0.35], color="black", linewidth=2)
    ax.axvline(1.0, color="black", linestyle=":", linewidth=1)
    values = [r[1] for r in ratio_rows] + [r[2] for r in ratio_rows if r[2] is not None] + [1.0]
    low, high = min(values) / 1.5, max(values) * 1.5
    ax.set_xlim(low, high)
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.8, 1, 1.25, 2, 5, 10, 20, 50) if low <= t <= high]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("ours / anchor, log scale (dotted: parity with the anchor)", fontsize=9)
    ax.set_title("Every figure against its anchor, same run. Black tick: the goal; green: met, red: not met, "
                 "grey: no goal", fontsize=10)
    if budget_rows:
        ax = axes[1][0]
        lollipops(ax, budget_rows, 0.0)
        ax.axvline(1.0, color="black", linewidth=2)
        ax.set_xlim(0, max(1.1, max(r[1] for r in budget_rows) * 1.15))
        ax.set_xlabel("measured / goal, for goals on an absolute value (at most 1 = met)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_sweep(plt, doc, path):
    """Size against the source vs PSNR-Y, one curve per preset (points labelled with the CRF), one panel per clip."""
    rows = doc.get("data", {}).get("rows", [])
    if not rows:
        return False
    clips = sorted({r["clip"] for r in rows})
    presets = sorted({r["preset"] for r in rows}, key=lambda p: PRESET_ORDER.index(p) if p in PRESET_ORDER else 99)
    gate = float(doc["parameters"].get("GATE_PSNR", "nan"))
    fig, axes = plt.subplots(1, len(clips), figsize=(5.2 * len(clips), 4.4), squeeze=False)
    for ax, clip in zip(axes[0], clips):
        for preset in presets:
            pts = sorted((r for r in rows if r["clip"] == clip and r["preset"] == preset), key=lambda r: r["crf"])
            ax.plot([r["size_ratio"] for r in pts], [r["psnr_y"] for r in pts], marker="o", label=preset)
            for r in pts:
                ax.annotate(f"{r['crf']:g}", (r["size_ratio"], r["psnr_y"]), textcoords="offset points",
                            xytext=(4, -9), fontsize=7)
        ax.axhline(gate, color="grey", linestyle="--", linewidth=1, label=f"gate {gate:g} dB")
        ax.set_title(clip, fontsize=9)
        ax.set_xlabel("output size / source video stream")
        ax.set_ylabel("PSNR-Y dB (x265, same pass)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("x265 preset x CRF: size vs PSNR-Y (labels: CRF)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def make_plots(docs, results_dir):
    """{section: [(title, relative path)]} of the plots written to plots/ beside the results file."""
    plt = load_pyplot()
    if plt is None:
        return {}
    plot_dir = os.path.join(results_dir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    plots = {}
    ratios = os.path.join(plot_dir, "ratios.png")
    if plot_ratios(plt, docs, ratios):
        plots["overview"] = [("every ratio against its goal", rel(ratios, results_dir))]
    sweep = os.path.join(plot_dir, "sweep_size_vs_psnr.png")
    if "sweep" in docs and plot_sweep(plt, docs["sweep"], sweep):
        plots["sweep"] = [("size vs PSNR-Y per preset", rel(sweep, results_dir))]
    return plots


# -- the document ---------------------------------------------------------------------------------------------------
def header(run, results_dir):
    start, end = run.get("started", "?"), run.get("finished", "?")
    commit = run.get("commit", "?")
    analysis = rel(os.path.join(HERE, "ANALYSIS.md"), results_dir)
    return [
        "# Benchmark results", "",
        f"Generated by `bench/report.py` from one run of `bench/run-all.sh`; do not edit by hand (the analysis of "
        f"why some goals are not met, and earlier runs, are in [ANALYSIS.md]({analysis})). Every ratio is ours / "
        "the anchor, both measured in this run on this machine.", "",
        f"- Run: `{run.get('command', '?')}` — profile **{run.get('profile', '?')}**",
        f"- Date: {start} to {end} ({run.get('seconds', 0) / 60:.1f} min)",
        f"- Commit: `{commit}`",
        f"- Load average (1, 5, 15 min): {run.get('load_start', '?')} at the start, {run.get('load_end', '?')} "
        "at the end (a shared machine makes single runs noisy)", "",
    ]


def commands_section(run, docs):
    rows = []
    for b in run.get("benches", []):
        doc = docs.get(b["bench"])
        state = "ok" if b.get("status") == 0 else f"failed (exit {b.get('status')})"
        command = doc["command"] if doc else b.get("command", f"bash {b.get('script', '?')}")
        rows.append([b["bench"], f"`{command}`",
                     f"{b.get('seconds', 0):.0f} s", state])
    return ["## Commands", "", "Each benchmark as run (every parameter spelled out: the line reproduces it from the "
            "repository's root).", "", md_table(["benchmark", "command", "time", "status"], rows), ""]


def render(run, docs, plots, results_dir):
    out = header(run, results_dir)
    out += ["## Machine", "", md_table(["", ""], machine()), ""]
    out += commands_section(run, docs)
    out += ["## Goals", "", goals_summary(docs), ""]
    for title, path in plots.get("overview", []):
        out += [f"![{title}]({path})", ""]
    statuses = {b["bench"]: b for b in run.get("benches", [])}
    for name in ORDER:
        if name in docs or name in statuses:
            out += bench_section(name, docs.get(name), statuses.get(name), plots.get(name, []))
    out += memory_section(docs)
    analysis = rel(os.path.join(HERE, "ANALYSIS.md"), results_dir)
    out += ["## Analysis and earlier runs", "",
            f"Why some goals are not met, what was measured about it, and the figures of earlier runs: "
            f"[ANALYSIS.md]({analysis}).", ""]
    return "\n".join(out)


def load(out_dir):
    run_path = os.path.join(out_dir, "run.json")
    run = json.load(open(run_path)) if os.path.exists(run_path) else {}
    docs = {}
    for name in ORDER:
        path = os.path.join(out_dir, f"{name}.json")
        if os.path.exists(path):
            docs[name] = json.load(open(path))
    return run, docs


def main(argv):
    if len(argv) not in (1, 2):
        raise SystemExit(__doc__)
    out_dir = argv[0]
    results = os.path.abspath(argv[1] if len(argv) == 2 else os.path.join(HERE, "RESULTS.md"))
    run, docs = load(out_dir)
    if not docs and not run:
        raise SystemExit(f"report.py: neither run.json nor any benchmark JSON in {out_dir}")
    results_dir = os.path.dirname(results)
    plots = make_plots(docs, results_dir)
    text = render(run, docs, plots, results_dir)
    with open(results, "w") as f:
        f.write(text)
    print(f"report.py: wrote {results} ({datetime.datetime.now(datetime.timezone.utc):%H:%M} UTC)", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
