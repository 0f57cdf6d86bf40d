"""The suite's verdicts: one row per check, written as conformance/RESULTS.md."""
import datetime
import platform
import subprocess
from dataclasses import dataclass, field


@dataclass
class Row:
    area: str      # "DIMSE", "DICOMweb", "Objects", "Videos"
    tool: str      # the third-party tool that judged
    check: str     # what was done
    subject: str   # on what
    ok: bool
    detail: str
    limit: str = ""  # a documented limit of a component we do not own: the reason, shown instead of pass/fail


@dataclass
class Results:
    rows: list = field(default_factory=list)
    explained: dict = field(default_factory=dict)  # dciodvfy message -> (explanation, [objects])
    notes: list = field(default_factory=list)

    def add(self, area, tool, check, subject, ok, detail="", limit=""):
        self.rows.append(Row(area, tool, check, subject, bool(ok), detail, limit))
        verdict = "LIMIT" if limit and ok else "PASS" if ok else "FAIL"
        print(f"{verdict:5} {area:8} {tool:16} {check:28} {subject}: {detail}", flush=True)
        return ok

    def failures(self):
        return [r for r in self.rows if not r.ok]

    def limits(self):
        return [r for r in self.rows if r.ok and r.limit]


def _version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text else "?"
    except OSError:
        return "not found"


def tool_versions(node_versions, orthanc_system):
    dpkg = lambda p: _version(["dpkg-query", "-W", "-f=${Version}", p])  # noqa: E731
    return [
        ("Orthanc (server under test)", f"{orthanc_system.get('Version', '?')} with the DICOMweb plugin "
                                        f"{dpkg('orthanc-dicomweb')} and this plugin"),
        ("DCMTK (echoscu, storescu, findscu, getscu, movescu, storescp)", dpkg("dcmtk")),
        ("dicom3tools (dciodvfy)", dpkg("dicom3tools")),
        ("pydicom (Debian python3-pydicom, /usr/bin/python3)", dpkg("python3-pydicom")),
        ("FFmpeg (ffprobe)", dpkg("ffmpeg")),
        ("curl (STOW-RS with bulkdata, MP4 ranges)", dpkg("curl")),
        ("nginx (the tus gateway in front of Orthanc)", dpkg("nginx-light")),
        *[(f"npm {name}", version) for name, version in node_versions.items()],
        ("Node.js", _version(["node", "--version"])),
    ]


def _verdict(row):
    return "limit" if row.ok and row.limit else "pass" if row.ok else "**FAIL**"


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_markdown(results, path, versions, command, seconds):
    rows = results.rows
    passed = sum(r.ok and not r.limit for r in rows)
    limited = len([r for r in rows if r.ok and r.limit])
    lines = [
        "# Conformance suite results",
        "",
        "Written by the conformance suite; do not edit by hand. Every verdict below is a third-party tool's, run "
        "against a real Orthanc with this plugin on loopback.",
        "",
        f"- Command: `{command}`",
        f"- Run: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, "
        f"{seconds:.0f} s, on {platform.node() or 'this machine'} ({platform.machine()}, "
        f"{platform.platform(terse=True)})",
        f"- **{passed} of {len(rows)} checks passed**, {limited} met a documented limit of a component we do not own "
        f"(the limit was observed as documented; see 'Known limits'), {len(rows) - passed - limited} failed",
        "",
        "| tool | version |",
        "|---|---|",
        *[f"| {_cell(a)} | {_cell(b)} |" for a, b in versions],
        "",
    ]
    summary = {}
    for r in rows:
        s = summary.setdefault((r.area, r.tool), [0, 0, 0])
        s[0] += r.ok and not r.limit
        s[1] += bool(r.ok and r.limit)
        s[2] += 1
    lines += ["## Summary", "", "| area | tool | passed | documented limit | checks |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {t} | {p} | {lim} | {n} |" for (a, t), (p, lim, n) in summary.items()]
    for area in dict.fromkeys(r.area for r in rows):
        lines += ["", f"## {area}", "", "| tool | check | subject | verdict | detail |", "|---|---|---|---|---|"]
        lines += [f"| {_cell(r.tool)} | {_cell(r.check)} | {_cell(r.subject)} | {_verdict(r)} | "
                  f"{_cell(r.detail)} |" for r in rows if r.area == area]
    if results.limits():
        groups = {}
        for r in results.limits():
            groups.setdefault((r.tool, r.limit), []).append(r.subject)
        lines += ["", "## Known limits", "",
                  "Observed exactly as documented; any other failure fails the suite, and a success counts as a pass.",
                  "", "| tool | checks | why |", "|---|---|---|"]
        lines += [f"| {_cell(tool)} | {len(subjects)} ({_cell('; '.join(subjects))}) | {_cell(why)} |"
                  for (tool, why), subjects in groups.items()]
    if results.explained:
        lines += ["", "## dciodvfy messages that remain, and why", "",
                  "| message | objects | why it remains |", "|---|---|---|"]
        for message, (why, objects) in sorted(results.explained.items()):
            lines.append(f"| `{_cell(message)}` | {len(objects)} | {_cell(why)} |")
    if results.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in results.notes]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
