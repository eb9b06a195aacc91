#!/usr/bin/python3
"""Tables for bench/run_models.sh: medians over repeats of the JSON lines it collected, the
ratios the benchmark goals of issue 3 name, and PASS/FAIL per goal.

Usage: /usr/bin/python3 bench/python/summarize.py bench/results/models-<time>.jsonl

Two bases, because the build machine is shared. "wall" is molecules per second as measured.
"CPU" is molecules per CPU second of the process doing the work (Python's process_time, the
C++ process CPU clock, the model server's threads from /proc/<pid>/task/*/schedstat), which
compares a core with a core however busy the machine is. For the two-thread goal a CPU-time
figure cannot show idle time, so the "est." column projects an otherwise idle machine from
the CPU the run used: per chunk, compute CPU / threads + the server's other CPU (request
parsing, rendering, sending: one thread) + the client's send/receive CPU (the client waits
for each answer).
"""

import collections
import json
import statistics
import sys

GOALS = {"eos3b5e": 1.0, "eos4wt0": 3.0}  # HTTP-1 / Python per core
SPEEDUP_GOAL = 1.8                       # HTTP-2 / HTTP-1
OVERHEAD_GOAL = 0.15                     # HTTP over in process, 1000-molecule chunks


def key(r):
    if r["mode"] == "python":
        return "py"
    if r["mode"] == "cpp":
        return f"ip{r['threads']}"
    return f"h{r['threads']}c{r['clients']}"


def load(path):
    runs = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in open(path):
        r = json.loads(line)
        runs[r["model"]][key(r)].append(r)
    return runs


def med(rows, field):
    values = [r[field] for r in rows if r.get(field) is not None]
    return statistics.median(values) if values else None


def per_mol_seconds(rows, threads):
    """Projected seconds per molecule on an idle machine (see the module comment)."""
    values = []
    for r in rows:
        n = r["molecules"]
        other = max(0.0, r["server_cpu_s"] - r["server_compute_cpu_s"])
        values.append((r["server_compute_cpu_s"] / threads + other
                       + r["client_transfer_cpu_s"]) / n)
    return statistics.median(values) if values else None


def num(v):
    return f"{v:,.0f}" if v else "-"


def ratio(a, b):
    return a / b if a and b else None


def fmt_ratio(v, suffix="x"):
    return f"{v:.2f}{suffix}" if v is not None else "-"


def pct(v):
    return f"{100 * v:+.0f}%" if v is not None else "-"


def verdict(ok):
    return "-" if ok is None else ("PASS" if ok else "FAIL")


def summarize(runs):
    rows = {}
    for model, m in sorted(runs.items()):
        s = {"repeats": max(len(v) for v in m.values())}
        s["py"], s["py_cpu"] = med(m["py"], "molecules_per_second"), med(
            m["py"], "molecules_per_cpu_second")
        for t in (1, 2):
            s[f"ip{t}"] = med(m[f"ip{t}"], "with_json_mol_per_s")
            s[f"ip{t}_cpu"] = med(m[f"ip{t}"], "with_json_mol_per_cpu_s")
        for k in ("h1c1", "h2c1", "h2c2"):
            s[k] = med(m[k], "mol_per_s")
            s[k + "_cpu"] = med(m[k], "mol_per_server_cpu_s")
        s["others"] = med(m["h1c1"] + m["h2c1"] + m["h2c2"], "others_cores")
        s["est1"] = per_mol_seconds(m["h1c1"], 1)
        s["est2"] = per_mol_seconds(m["h2c1"], 2)
        s["http_cpu_per_mol"] = statistics.median(
            [(r["server_cpu_s"] + r["client_transfer_cpu_s"]) / r["molecules"]
             for r in m["h1c1"]]) if m["h1c1"] else None
        rows[model] = s
    return rows


def print_tables(rows):
    print("### Molecules per second (wall clock; medians)\n")
    print("| model | Python | in-process 1T | in-process 2T | HTTP 1T | HTTP 2T | "
          "HTTP 2T, 2 clients | other load (cores) | repeats |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model, s in rows.items():
        print(f"| {model} | {num(s['py'])} | {num(s['ip1'])} | {num(s['ip2'])} "
              f"| {num(s['h1c1'])} | {num(s['h2c1'])} | {num(s['h2c2'])} "
              f"| {s['others'] or 0:.2f} | {s['repeats']} |")

    print("\n### Molecules per CPU second (medians)\n")
    print("| model | Python | in-process 1T | in-process 2T | HTTP 1T server | HTTP 2T server |")
    print("|---|---:|---:|---:|---:|---:|")
    for model, s in rows.items():
        print(f"| {model} | {num(s['py_cpu'])} | {num(s['ip1_cpu'])} | {num(s['ip2_cpu'])} "
              f"| {num(s['h1c1_cpu'])} | {num(s['h2c1_cpu'])} |")

    print("\n### Ratios and goals\n")
    print("| model | HTTP-1 / Python: wall | CPU | goal | HTTP-2 / HTTP-1: wall "
          "| 2 clients | est. | goal (wall / est.) | HTTP over in-process: wall | CPU "
          "| goal (wall / CPU) |")
    print("|---|---:|---:|---|---:|---:|---:|---|---:|---:|---|")
    for model, s in rows.items():
        r_wall, r_cpu = ratio(s["h1c1"], s["py"]), ratio(s["h1c1_cpu"], s["py_cpu"])
        goal = GOALS.get(model)
        g1 = (f"≥{goal:g}x: {verdict(r_cpu >= goal if r_cpu else None)} CPU, "
              f"{verdict(r_wall >= goal if r_wall else None)} wall") if goal else "-"
        sp_wall, sp_2c = ratio(s["h2c1"], s["h1c1"]), ratio(s["h2c2"], s["h1c1"])
        sp_est = ratio(s["est1"], s["est2"])
        g2 = (f"{verdict(sp_wall >= SPEEDUP_GOAL if sp_wall else None)} / "
              f"{verdict(sp_est >= SPEEDUP_GOAL if sp_est else None)}")
        ov_wall = ratio(s["ip1"], s["h1c1"])
        ov_wall = ov_wall - 1 if ov_wall else None
        ov_cpu = (s["http_cpu_per_mol"] * s["ip1_cpu"] - 1
                  if s["http_cpu_per_mol"] and s["ip1_cpu"] else None)
        g3 = (f"{verdict(ov_wall < OVERHEAD_GOAL if ov_wall is not None else None)} / "
              f"{verdict(ov_cpu < OVERHEAD_GOAL if ov_cpu is not None else None)}")
        print(f"| {model} | {fmt_ratio(r_wall)} | {fmt_ratio(r_cpu)} | {g1} "
              f"| {fmt_ratio(sp_wall)} | {fmt_ratio(sp_2c)} | {fmt_ratio(sp_est)} | {g2} "
              f"| {pct(ov_wall)} | {pct(ov_cpu)} | {g3} |")


def main():
    print_tables(summarize(load(sys.argv[1])))


if __name__ == "__main__":
    main()
