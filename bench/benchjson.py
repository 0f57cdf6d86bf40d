#!/usr/bin/env python3
"""Machine-readable benchmark results: one JSON file per benchmark, read by bench/report.py.

A file holds {"bench", "title", "command", "parameters", "figures", "memory", "tables", "notes", "data"}. A figure is
one number of ours against its anchor measured in the same run:
    {"name", "ours", "anchor", "unit", "ratio": ours / anchor, "higher_is_better",
     "goal": ">= 0.8" | "<= 100 ms" | null, "goal_of": "ratio" | "ours", "met": true | false | null, ...}
The ratio and whether the goal is met are computed here, from the two measured numbers, never written by hand.

Used as a module (delivery_bench.py, the sweep's Python) and from the bash scripts as a command line:
    benchjson.py add ITEMS KIND key=value ... key:=json ...   appends one item (figure, memory, table, note) to
                                                              ITEMS (JSON lines)
    benchjson.py write ITEMS OUT key=value ... param.NAME=value ...
                                                              writes OUT from the items and the fields given
                                                              (bench, title, script; param.* become the parameters
                                                              and, in order, the command line)
"""
import json
import operator
import shlex
import sys

GOAL_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def goal_met(goal, value):
    """True/False if VALUE meets GOAL (">= 0.8", "<= 100 ms": operator, number, optional unit); None if unknown."""
    if not goal or value is None:
        return None
    op, number = goal.split()[:2]
    return GOAL_OPS[op](value, float(number))


def figure(name, ours, anchor, unit, higher_is_better, goal=None, goal_of="ratio", **extra):
    """One figure; ratio = ours / anchor (None without an anchor); the goal applies to the ratio or to ours."""
    ratio = ours / anchor if ours is not None and anchor else None
    checked = ratio if goal_of == "ratio" else ours
    item = {"name": name, "ours": ours, "anchor": anchor, "unit": unit, "ratio": ratio,
            "higher_is_better": bool(higher_is_better), "goal": goal, "goal_of": goal_of,
            "met": goal_met(goal, checked)}
    item.update(extra)
    return item


def memory(name, peak_rss_mib, anchor_peak_rss_mib=None, **extra):
    """Peak RSS of ours (and of the anchor when it has one), MiB."""
    item = {"name": name, "peak_rss_mib": peak_rss_mib, "anchor_peak_rss_mib": anchor_peak_rss_mib}
    item.update(extra)
    return item


def table(title, columns, rows):
    """An extra table the report prints as it is."""
    return {"title": title, "columns": list(columns), "rows": [list(r) for r in rows]}


def command_line(script, parameters):
    """The exact command that reproduces the run: every parameter as an environment assignment, then the script."""
    env = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in parameters.items())
    return f"{env} bash {script}".strip()


def document(bench, title, script, parameters, figures=(), memories=(), tables=(), notes=(), data=None):
    return {"bench": bench, "title": title, "command": command_line(script, parameters),
            "parameters": dict(parameters), "figures": list(figures), "memory": list(memories),
            "tables": list(tables), "notes": list(notes), "data": data or {}}


def save(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


# -- command line ---------------------------------------------------------------------------------------------------
def parse_fields(args):
    """key=value (a string) and key:=json (a number, true, null, a list...) into a dict, in order."""
    fields = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep:
            raise SystemExit(f"benchjson.py: expected key=value or key:=json, got {arg!r}")
        if key.endswith(":"):
            fields[key[:-1]] = json.loads(value)
        else:
            fields[key] = value
    return fields


BUILDERS = {"figure": figure, "memory": memory, "table": table, "note": lambda text: {"text": text}}


def cmd_add(items_path, kind, args):
    item = BUILDERS[kind](**parse_fields(args))
    with open(items_path, "a") as f:
        f.write(json.dumps({"kind": kind, "item": item}) + "\n")


def cmd_write(items_path, out_path, args):
    fields = parse_fields(args)
    parameters = {k[len("param."):]: v for k, v in fields.items() if k.startswith("param.")}
    groups = {"figure": [], "memory": [], "table": [], "note": []}
    with open(items_path) as f:
        for line in f:
            entry = json.loads(line)
            groups[entry["kind"]].append(entry["item"])
    notes = [n["text"] for n in groups["note"]]
    save(out_path, document(fields["bench"], fields["title"], fields["script"], parameters, groups["figure"],
                            groups["memory"], groups["table"], notes))


def main(argv):
    if len(argv) >= 3 and argv[0] == "add":
        cmd_add(argv[1], argv[2], argv[3:])
    elif len(argv) >= 3 and argv[0] == "write":
        cmd_write(argv[1], argv[2], argv[3:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
