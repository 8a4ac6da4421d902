#!/usr/bin/env python3
"""Turns a benchmark result (JSON written by bench.py) into Markdown tables with ratios and the target checks.

    report.py <results.json>     re-renders a stored result

Every contender's figure is its best run (noise on a shared machine only ever slows a run down); the median and all
runs are shown next to it. Ratio columns read the same way everywhere: how many times better the row is than the
column's contender (>1 = better), whether the metric is a rate (higher is better) or a time or byte count (lower is
better).
"""
import json
import statistics
import sys

MiB = 1024 * 1024
PEERS = ("s3fs", "rclone")
OURS = ("s3cfs-enc", "s3cfs-plain")


def label(results, name):
    return results["meta"]["labels"].get(name, "direct client (C#, S3ObjectStore)" if name == "direct" else name)


class Metric:
    """One workload's figure per contender, with its direction."""

    def __init__(self, results, workload, title, unit, higher_better, value, fmt="{:.0f}"):
        self.results = results
        self.title = title
        self.unit = unit
        self.higher = higher_better
        self.fmt = fmt
        self.runs = {}
        for name, entry in results.get(workload, {}).items():
            runs = value(entry)
            if runs:
                self.runs[name] = runs if isinstance(runs, list) else [runs]

    def best(self, name):
        runs = self.runs.get(name)
        if not runs or any(r is None for r in runs):
            return None
        return max(runs) if self.higher else min(runs)

    def advantage(self, a, b):
        """How many times better a is than b (>1 = better)."""
        va, vb = self.best(a), self.best(b)
        if va is None or vb is None or va == 0 or vb == 0:
            return None
        return va / vb if self.higher else vb / va

    def table(self, extra=None):
        names = [n for n in self.results["meta"]["contenders"] if n in self.runs]
        head = f"| contender | {self.unit} (best) | median | runs |"
        extra = extra or {}
        for col in extra:
            head += f" {col} |"
        head += "".join(f" vs {n} |" for n in names)
        lines = [f"**{self.title}** ({'higher' if self.higher else 'lower'} is better; 'vs X' = times better than X)",
                 "", head, "|---|" + "---:|" * (3 + len(extra) + len(names))]
        for n in names:
            runs = self.runs[n]
            row = (f"| {label(self.results, n)} | **{self.fmt.format(self.best(n))}** | "
                   f"{self.fmt.format(statistics.median(runs))} | {', '.join(self.fmt.format(r) for r in runs)} |")
            for col in extra.values():
                row += f" {col(n)} |"
            for other in names:
                adv = self.advantage(n, other)
                row += " – |" if other == n or adv is None else f" {adv:.2f}× |"
            lines.append(row)
        return "\n".join(lines) + "\n"


def rate(size):
    return lambda e: [size / s / 1e6 for s in e.get("seconds", [])]


def metrics(results):
    m = results["meta"]
    size, n, entries = m["size"], m["small_files"], m["ls_entries"]
    mib = size // MiB
    return {
        "seq_write": Metric(results, "seq_write", f"Sequential write of {mib} MiB, durable in the bucket", "MB/s",
                            True, rate(size)),
        "seq_read": Metric(results, "seq_read", f"Cold sequential read of {mib} MiB", "MB/s", True, rate(size)),
        "small_write": Metric(results, "small_write", f"{n} files of {m['small_size']} bytes created, durable",
                              "files/s", True, lambda e: [n / s for s in e.get("seconds", [])]),
        "small_read": Metric(results, "small_read", f"{n} files of {m['small_size']} bytes read back cold",
                             "files/s", True, lambda e: [n / s for s in e.get("seconds", [])]),
        "ls": Metric(results, "ls", f"Cold `ls -l` of {entries} entries (direct client: ListObjectsV2 of the keys)",
                     "seconds", False, lambda e: e.get("seconds"), "{:.2f}"),
        "random": Metric(results, "random", f"Random 4 KiB reads of the {mib} MiB file, 4 readers, "
                         f"{m['fio_seconds']} s", "IOPS", True, lambda e: e.get("iops")),
        "overwrite": Metric(results, "overwrite", f"1 MiB overwrite in the middle of the {mib} MiB file: bytes sent "
                            "to S3 (through the counting relay)", "MiB sent", False,
                            lambda e: e["sent"] / MiB if "sent" in e else None, "{:.2f}"),
    }


def target_checks(results, ms):
    """(target, measured, met) for s3cfs encrypted; s3cfs plain is checked too where the target applies to it."""
    checks = []
    cache = results["meta"]["cache_size_mib"]

    def add(text, measured, met):
        checks.append((text, measured, None if met is None else bool(met)))

    for ours in OURS:
        for key, what in (("seq_write", "sequential write (durable)"), ("seq_read", "cold sequential read")):
            mt = ms[key]
            if mt.best(ours) is None:
                continue
            vs_direct = mt.advantage(ours, "direct")
            peers = {p: mt.advantage(ours, p) for p in PEERS if mt.best(p) is not None}
            add(f"{ours}: {what} ≥ 90% of direct and ahead of every peer",
                f"{_pct(vs_direct)} of direct; " + ", ".join(f"{v:.2f}× {p}" for p, v in peers.items()),
                None if vs_direct is None else vs_direct >= 0.9 and all(v > 1 for v in peers.values()))
        sw, sr = ms["small_write"], ms["small_read"]
        if sw.best(ours) is not None and sw.best("rclone") is not None:
            adv = sw.advantage(ours, "rclone")
            add(f"{ours}: small files durable ≥ 2× rclone", f"{adv:.2f}×", adv >= 2)
        peer_best = [p for p in PEERS if sr.best(p) is not None]
        if sr.best(ours) is not None and peer_best:
            best_peer = max(peer_best, key=sr.best)
            adv = sr.advantage(ours, best_peer)
            add(f"{ours}: small files cold read ≥ 1.5× the best peer", f"{adv:.2f}× {best_peer}", adv >= 1.5)
        ls = ms["ls"]
        if ls.best(ours) is not None and ls.best("direct") is not None:
            factor = ls.best(ours) / ls.best("direct")
            add(f"{ours}: cold ls -l within 1.2× of the direct listing",
                f"{factor:.2f}× ({ls.best(ours):.2f} s vs {ls.best('direct'):.2f} s)", factor <= 1.2)
        rnd = results.get("random", {}).get(ours)
        if rnd:
            fetched = rnd.get("s3cfs_bytes_in", rnd.get("fetched"))
            s3fs_iops = results.get("random", {}).get("s3fs", {}).get("iops")
            add(f"{ours}: random 4 KiB reads ≥ s3fs-fuse IOPS, fetching ≤ 1.1× the file",
                f"{rnd['iops']:.0f} IOPS vs {s3fs_iops or 0:.0f}; fetched {fetched / rnd['file_size']:.2f}× the file",
                (s3fs_iops is None or rnd["iops"] >= s3fs_iops) and fetched <= 1.1 * rnd["file_size"])
        ow = results.get("overwrite", {}).get(ours)
        if ow:
            add(f"{ours}: the 1 MiB overwrite sends ≤ 6 MiB", f"{ow['sent'] / MiB:.2f} MiB on the wire"
                + (f" ({ow['s3cfs_bytes_out'] / MiB:.2f} MiB of bodies)" if "s3cfs_bytes_out" in ow else ""),
                ow["sent"] <= 6 * MiB)
        rss = results.get("rss", {}).get(ours)
        if rss:
            peak = max(rss.values()) / 1024
            add(f"{ours}: peak RSS ≤ cache_size + 150 MiB ({cache + 150} MiB)", f"{peak:.0f} MiB", peak <= cache + 150)
    for key, mt in ms.items():
        if key == "overwrite" or mt.best("s3cfs-enc") is None or mt.best("s3cfs-plain") is None:
            continue
        adv = mt.advantage("s3cfs-enc", "s3cfs-plain")
        add(f"encryption costs ≤ 10%: {mt.title}", f"encrypted = {_pct(adv)} of plain", adv >= 0.9)
    return checks


def _pct(x):
    return "?" if x is None else f"{x * 100:.0f}%"


def render(results):
    m = results["meta"]
    ms = metrics(results)
    loads = [v for _, v in results.get("load", [])]
    out = [f"# s3cfs side-by-side benchmark, {m['date']}", ""]
    if m.get("failed"):
        out += [f"**The run failed:** {m['failed']}. The tables show what was measured before.", ""]
    out += [f"- Machine: {m['machine']}; load average (1 min) {min(loads, default=0):.1f} to "
            f"{max(loads, default=0):.1f} during the run ({', '.join(f'{p}: {v:.1f}' for p, v in results.get('load', []))})",
            f"- Versions: " + "; ".join(f"{k} {v}" for k, v in m["versions"].items()),
            f"- Sizes: {m['size'] // MiB} MiB file, {m['small_files']} × {m['small_size']} B files, "
            f"{m['ls_entries']} entries, fio {m['fio_seconds']} s; {m['repeats']} run(s) each; s3cfs cache_size "
            f"{m['cache_size_mib']} MiB{''.join('; ' + o for o in m.get('s3cfs_options', []))}; "
            f"run took {m.get('minutes', '?')} min", ""]
    def closes(workload, title):
        close = {n: e.get("close_seconds") for n, e in results.get(workload, {}).items()}
        return {title: lambda n: ", ".join(f"{s:.1f}" for s in close.get(n) or []) or "–"}

    def requests(workload):
        return {"S3 requests (last run)": lambda n: _requests(results[workload][n].get("requests"))}

    out.append(ms["seq_write"].table({**closes("seq_write", "close returned after (s)"), **requests("seq_write")}))
    out.append(ms["seq_read"].table(requests("seq_read")))
    out.append(ms["small_write"].table({**closes("small_write", "last close after (s)"), **requests("small_write")}))
    out.append(ms["small_read"].table(requests("small_read")))
    ls = results.get("ls", {})
    pop = results.get("populate", {})
    out.append(ms["ls"].table({
        "S3 requests (last run)": lambda n: _requests(ls.get(n, {}).get("requests")),
        "setup: create the entries (s)": lambda n: f"{pop[n]['seconds']:.1f}" if n in pop else "–"}))
    rnd = results.get("random", {})
    out.append(ms["random"].table({
        "mean latency (ms)": lambda n: f"{rnd[n]['lat_ms_mean']:.1f}",
        "fetched from S3 (MiB)": lambda n: _fetched(rnd[n]),
        "fetched ÷ file size": lambda n: f"{(rnd[n].get('s3cfs_bytes_in') or rnd[n]['fetched'] or 0) / rnd[n]['file_size']:.2f}",
        "S3 requests": lambda n: _requests(rnd[n]["requests"])}))
    ow = results.get("overwrite", {})
    out.append(ms["overwrite"].table({
        "MiB received": lambda n: f"{ow[n]['received'] / MiB:.2f}",
        "seconds (durable)": lambda n: f"{ow[n]['seconds']:.1f}",
        "S3 requests": lambda n: _requests(ow[n]["requests"])}))
    rss = results.get("rss", {})
    if rss:
        phases = sorted({p for r in rss.values() for p in r})
        out += ["**Peak RSS of the mount process (VmHWM, MiB)**", "",
                "| contender | max | " + " | ".join(phases) + " |", "|---|---:|" + "---:|" * len(phases)]
        for n, r in rss.items():
            out.append(f"| {label(results, n)} | **{max(r.values()) / 1024:.0f}** | "
                       + " | ".join(f"{r[p] / 1024:.0f}" if p in r else "–" for p in phases) + " |")
        out.append("")
    out += ["**Targets**", "", "| target | measured | met |", "|---|---|:-:|"]
    for text, measured, met in target_checks(results, ms):
        out.append(f"| {text} | {measured} | {'?' if met is None else ('yes' if met else '**no**')} |")
    return "\n".join(out) + "\n"


def _requests(counts):
    return ", ".join(f"{k} {v}" for k, v in sorted((counts or {}).items())) or "–"


def _fetched(entry):
    s3cfs = entry.get("s3cfs_bytes_in")
    rgw = entry.get("fetched")
    text = "?" if rgw is None else f"{rgw / MiB:.1f}"
    return text + (f" (stats: {s3cfs / MiB:.1f})" if s3cfs is not None else "")


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(render(json.load(f)))
