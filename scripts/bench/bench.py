#!/usr/bin/env python3
"""Side-by-side benchmark of s3cfs against s3fs-fuse, rclone crypt and a direct S3 client on one local RGW.

Started by scripts/bench.sh (which builds s3cfs and the direct client and starts the RGW); see docs/PERFORMANCE.md
for the method. Writes <results>/<stamp>.json and .md and prints the tables.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import contenders
import report
import s3
import workloads
from contenders import MiB
from relay import read_totals

HERE = os.path.dirname(os.path.abspath(__file__))


class Context:
    """Settings shared by every contender of one run."""

    def __init__(self, args):
        self.s3, env = s3.from_env_file(args.env)
        self.env_file = args.env
        self.endpoint = env["S3_ENDPOINT"]
        self.bucket = env["S3_BUCKET"]
        self.access_key = env["AWS_ACCESS_KEY_ID"]
        self.secret_key = env["AWS_SECRET_ACCESS_KEY"]
        self.rgw_log = s3.RgwLog(os.path.join(env.get("RGW_BASE", "/tmp/s3cfs-rgw"), "log", "client.rgw.test.log"),
                                 self.bucket)
        self.run_id = datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
        self.run_prefix = f"bench/{self.run_id}/"
        self.workdir = os.path.join(args.workdir, self.run_id)
        os.makedirs(self.workdir)
        self.s3cfs = args.s3cfs
        self.bench_dll = args.bench_dll
        self.cache_size_mib = args.cache_size_mib
        self.s3cfs_options = [o.strip() for o in args.s3cfs_options.split(",") if o.strip()]
        self.master_key = os.path.join(self.workdir, "master.key")
        subprocess.run([self.s3cfs, "keygen", self.master_key], check=True, capture_output=True)

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def direct(self, *args):
        """Runs one operation of the C# direct client; returns its JSON result."""
        # The same runtime setting as s3cfs (S3Fs.Cli.csproj): the ceiling is not held back by tier-up compilation.
        env = dict(os.environ, S3FS_TEST_ENV=self.env_file, DOTNET_TieredCompilation="0")
        out = subprocess.run(["dotnet", self.bench_dll, "direct", *map(str, args)], capture_output=True, text=True,
                             env=env)
        if out.returncode != 0:
            raise RuntimeError(f"direct {args[0]} failed: {out.stderr.strip()[-2000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class Bench:
    def __init__(self, args):
        self.args = args
        self.ctx = Context(args)
        all_mounts = {"s3cfs-enc": lambda: contenders.S3cfs(self.ctx, True),
                      "s3cfs-plain": lambda: contenders.S3cfs(self.ctx, False),
                      "s3fs": lambda: contenders.S3fsFuse(self.ctx),
                      "rclone": lambda: contenders.Rclone(self.ctx)}
        self.mounts = [make() for name, make in all_mounts.items() if name in args.only]
        self.with_direct = "direct" in args.only
        self.direct_prefix = self.ctx.run_prefix + "direct/"
        self.size = args.size_mib * MiB
        self.src = self._source(args.workdir, self.size)
        with open(self.src, "rb") as f:
            self.small_src = f.read(args.small_files * args.small_size)
        self.results = {"meta": {}, "load": [], "rss": {}}
        self.relay = None

    @staticmethod
    def _source(workdir, size):
        """Random bytes to write, made once and kept between runs (generating 1 GiB takes seconds)."""
        path = os.path.join(workdir, f"source-{size // MiB}MiB.bin")
        if not os.path.exists(path) or os.path.getsize(path) != size:
            log(f"making {size // MiB} MiB of random source data")
            with open(path + ".tmp", "wb") as f:
                for _ in range(size // MiB):
                    f.write(os.urandom(MiB))
            os.replace(path + ".tmp", path)
        return path

    def record(self, workload, contender, **values):
        entry = self.results.setdefault(workload, {}).setdefault(contender, {})
        for k, v in values.items():
            if isinstance(v, list):
                entry.setdefault(k, []).extend(v)
            else:
                entry[k] = v

    def requests(self, m):
        """The contender's S3 requests since the RGW log was marked (after a pause: RGW logs asynchronously)."""
        time.sleep(1)
        return self.ctx.rgw_log.summary(m.prefix)["requests"]

    def phase(self, name):
        self.results["load"].append([name, loadavg()])
        log(f"== {name} (load average {loadavg():.1f})")

    def rounds(self):
        """Each round visits the contenders in a rotated order, so load changes do not always hit the same one."""
        for r in range(self.args.repeats):
            k = r % len(self.mounts) if self.mounts else 0
            yield r, self.mounts[k:] + self.mounts[:k]

    # --- workloads --------------------------------------------------------------------------------------------
    def sequential(self):
        self.phase("sequential write and cold read")
        for r, order in self.rounds():
            name = f"big-{r}.bin"
            for m in order:
                m.mount()
                self.ctx.rgw_log.mark()
                t0 = time.monotonic()
                closed = workloads.seq_write(self.src, m.path(name), self.size)
                done = workloads.wait_durable(self.ctx.s3, m, {m.key(name): (m.stored_size(self.size), None)}, closed)
                write_requests = self.requests(m)
                m.unmount("sequential write")
                m.mount()
                self.ctx.rgw_log.mark()
                t1 = time.monotonic()
                read = workloads.seq_read(m.path(name))
                t2 = time.monotonic()
                read_requests = self.requests(m)
                if read != self.size:
                    raise RuntimeError(f"{m.name}: read {read} bytes of {self.size}")
                workloads.check_samples(m.path(name), self.src, self.size)
                m.unmount("sequential read")
                self.record("seq_write", m.name, seconds=[done - t0], close_seconds=[closed - t0],
                            requests=write_requests)
                self.record("seq_read", m.name, seconds=[t2 - t1], requests=read_requests)
                log(f"{m.name}: write {self.size / (done - t0) / 1e6:.0f} MB/s durable "
                    f"(close after {closed - t0:.1f} s), cold read {self.size / (t2 - t1) / 1e6:.0f} MB/s")
                if r > 0:
                    self.ctx.s3.delete(m.key(f"big-{r - 1}.bin"))
            if self.with_direct:
                key = f"{self.direct_prefix}big-{r}.bin"
                w = self.ctx.direct("seq-write", self.src, key)
                rd = self.ctx.direct("seq-read", key)
                self.record("seq_write", "direct", seconds=[w["seconds"]])
                self.record("seq_read", "direct", seconds=[rd["seconds"]])
                log(f"direct: write {self.size / w['seconds'] / 1e6:.0f} MB/s, read {self.size / rd['seconds'] / 1e6:.0f} MB/s")
        self.big = f"big-{self.args.repeats - 1}.bin"

    def small_files(self):
        n, size = self.args.small_files, self.args.small_size
        self.phase(f"{n} files of {size} bytes")
        for r, order in self.rounds():
            rel = f"small-{r}"
            for m in order:
                m.mount()
                os.mkdir(m.path(rel))
                names = [f"{rel}/f{i:05d}" for i in range(n)]
                expect = {k: (m.stored_size(size), None) for k in m.keys(names)}
                self.ctx.rgw_log.mark()
                t0 = time.monotonic()
                closed = workloads.small_write(m.path(rel), n, size, self.small_src)
                done = workloads.wait_durable(self.ctx.s3, m, expect, closed)
                write_requests = self.requests(m)
                m.unmount("small files write")
                m.mount()
                self.ctx.rgw_log.mark()
                t1 = time.monotonic()
                workloads.small_read(m.path(rel), n, size, self.small_src)
                t2 = time.monotonic()
                read_requests = self.requests(m)
                m.unmount("small files read")
                self.record("small_write", m.name, seconds=[done - t0], close_seconds=[closed - t0],
                            requests=write_requests)
                self.record("small_read", m.name, seconds=[t2 - t1], requests=read_requests)
                log(f"{m.name}: create {n / (done - t0):.0f} files/s durable (closes {n / (closed - t0):.0f}/s), "
                    f"cold read {n / (t2 - t1):.0f} files/s")
            if self.with_direct:
                prefix = f"{self.direct_prefix}small-{r}/"
                w = self.ctx.direct("small-write", prefix, n, size, self.src)
                rd = self.ctx.direct("small-read", prefix, n, size, self.src)
                self.record("small_write", "direct", seconds=[w["seconds"]])
                self.record("small_read", "direct", seconds=[rd["seconds"]])
                log(f"direct: create {n / w['seconds']:.0f} files/s, read {n / rd['seconds']:.0f} files/s")

    def listing(self):
        n = self.args.ls_entries
        self.phase(f"ls -l of {n} entries")
        for m in self.mounts:
            m.mount()
            os.mkdir(m.path("ls"))
            expect = {k: (0, None) for k in m.keys([f"ls/f{i:05d}" for i in range(n)])}
            t0 = time.monotonic()
            done = workloads.wait_durable(self.ctx.s3, m, expect, workloads.populate(m.path("ls"), n))
            m.unmount("ls populate")
            self.record("populate", m.name, seconds=done - t0)
            log(f"{m.name}: {n} empty files created (16 threads) in {done - t0:.1f} s")
        if self.with_direct:
            self.record("populate", "direct", seconds=self.ctx.direct("populate", self.direct_prefix + "ls/", n)["seconds"])
        for r, order in self.rounds():
            for m in order:
                m.mount()
                self.ctx.rgw_log.mark()
                t0 = time.monotonic()
                entries = workloads.ls_l(m.path("ls"))
                t1 = time.monotonic()
                requests = self.requests(m)
                m.unmount("ls")
                if entries != n:
                    raise RuntimeError(f"{m.name}: ls -l showed {entries} entries, expected {n}")
                self.record("ls", m.name, seconds=[t1 - t0], requests=requests)
                log(f"{m.name}: ls -l {t1 - t0:.2f} s, requests {requests}")
            if self.with_direct:
                d = self.ctx.direct("list", self.direct_prefix + "ls/")
                if d["entries"] != n:
                    raise RuntimeError(f"direct list found {d['entries']} entries, expected {n}")
                self.record("ls", "direct", seconds=[d["seconds"]])
                log(f"direct: ListObjectsV2 {d['seconds']:.2f} s")

    def random_reads(self):
        self.phase(f"random 4 KiB reads, {self.args.fio_seconds} s")
        for m in self.mounts:
            m.mount()
            before = m.stats() if isinstance(m, contenders.S3cfs) else None
            self.ctx.rgw_log.mark()
            env = dict(os.environ, FILE=m.path(self.big), SIZE=str(self.size), RUNTIME=str(self.args.fio_seconds))
            out = subprocess.run(["fio", "--readonly", "--output-format=json", os.path.join(HERE, "..", "fio", "randread.fio")],
                                 capture_output=True, text=True, env=env)
            if out.returncode != 0:
                raise RuntimeError(f"{m.name}: fio failed: {out.stderr.strip()[-2000:]}")
            job = json.loads(out.stdout[out.stdout.index("{"):])["jobs"][0]["read"]
            time.sleep(1)
            rgw = self.ctx.rgw_log.summary(m.prefix)
            values = {"iops": job["iops"], "read_bytes": job["io_bytes"], "fetched": rgw["get_bytes"],
                      "requests": rgw["requests"], "file_size": self.size,
                      "lat_ms_mean": job["clat_ns"]["mean"] / 1e6}
            if before is not None:
                values["s3cfs_bytes_in"] = m.stats()["bytes_in"] - before["bytes_in"]
            m.unmount("random reads")
            self.record("random", m.name, **values)
            log(f"{m.name}: {job['iops']:.0f} IOPS, fetched {(rgw['get_bytes'] or 0) / MiB:.1f} MiB, {rgw['requests']}")

    def overwrite(self):
        self.phase("1 MiB overwrite inside the large file")
        port, control = self.ctx.free_port(), self.ctx.free_port()
        host, _, target = self.ctx.endpoint.split("://")[1].partition(":")
        self.relay = subprocess.Popen([sys.executable, os.path.join(HERE, "relay.py"), str(port), host,
                                       target or "80", str(control)])
        deadline = time.monotonic() + 30
        while True:
            try:
                read_totals(control)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the counting relay did not start")
                time.sleep(0.05)
        data = os.urandom(MiB)
        offset = self.size // 2
        for m in self.mounts:
            m.mount(endpoint=f"http://127.0.0.1:{port}")
            before = m.stats() if isinstance(m, contenders.S3cfs) else None
            key = m.key(self.big)
            old = self.ctx.s3.head(key)
            totals0 = read_totals(control)
            self.ctx.rgw_log.mark()
            t0 = time.monotonic()
            closed = workloads.overwrite(m.path(self.big), offset, data)
            done = workloads.wait_durable(self.ctx.s3, m, {key: (old[0], old[1])}, closed)
            time.sleep(1)
            totals1 = read_totals(control)
            values = {"seconds": done - t0, "sent": totals1["sent"] - totals0["sent"],
                      "received": totals1["received"] - totals0["received"],
                      "requests": self.ctx.rgw_log.summary(m.prefix)["requests"]}
            if before is not None:
                after = m.stats()
                values["s3cfs_bytes_out"] = after["bytes_out"] - before["bytes_out"]
                values["s3cfs_bytes_in"] = after["bytes_in"] - before["bytes_in"]
            m.unmount("overwrite")
            m.mount()
            with open(m.path(self.big), "rb") as f:
                f.seek(offset - MiB)
                got = f.read(3 * MiB)
            with open(self.src, "rb") as s:
                s.seek(offset - MiB)
                want = bytearray(s.read(3 * MiB))
            want[MiB:2 * MiB] = data
            m.unmount("overwrite check")
            if got != bytes(want):
                raise RuntimeError(f"{m.name}: the overwritten range does not read back as written")
            self.record("overwrite", m.name, **values)
            log(f"{m.name}: {values['seconds']:.1f} s, sent {values['sent'] / MiB:.2f} MiB, "
                f"received {values['received'] / MiB:.2f} MiB, {values['requests']}")

    # --- run --------------------------------------------------------------------------------------------------
    def run(self):
        a = self.args
        self.results["meta"] = {
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "run_id": self.ctx.run_id,
            "size": self.size, "small_files": a.small_files, "small_size": a.small_size, "ls_entries": a.ls_entries,
            "fio_seconds": a.fio_seconds, "repeats": a.repeats, "cache_size_mib": a.cache_size_mib, "s3cfs_options": [o.strip() for o in a.s3cfs_options.split(",") if o.strip()],
            "machine": machine(), "contenders": [m.name for m in self.mounts] + (["direct"] if self.with_direct else []),
            "labels": {m.name: m.label for m in self.mounts}, "versions": versions(self.ctx.s3cfs)}
        start = time.monotonic()
        steps = {"seq": self.sequential, "small": self.small_files, "ls": self.listing,
                 "random": self.random_reads, "overwrite": self.overwrite}
        for w in a.workloads:
            steps[w]()
        self.results["load"].append(["end", loadavg()])
        self.results["meta"]["minutes"] = round((time.monotonic() - start) / 60, 1)
        for m in self.mounts:
            self.results["rss"][m.name] = m.peak_rss_kib

    def cleanup(self):
        for m in self.mounts:
            try:
                m.force_unmount()
            except Exception as e:  # noqa: BLE001 - cleanup goes on
                log(f"cleanup: {m.name}: {e}")
        if self.relay is not None:
            self.relay.terminate()
            self.relay.wait()
        if not self.args.keep:
            try:
                deleted = self.ctx.direct("delete-prefix", self.ctx.run_prefix)["deleted"]
                log(f"cleanup: deleted {deleted} objects under {self.ctx.run_prefix}")
            except Exception as e:  # noqa: BLE001
                log(f"cleanup: deleting {self.ctx.run_prefix} failed: {e}")
            shutil.rmtree(self.ctx.workdir, ignore_errors=True)


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return f"{os.cpu_count()} vCPU {cpu}, {mem // 1024 // 1024} GiB RAM, kernel {os.uname().release}"


def versions(s3cfs):
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except Exception:  # noqa: BLE001
            return "?"
    return {"s3cfs": first_line([s3cfs, "--version"]), "s3fs": first_line(["s3fs", "--version"]),
            "rclone": first_line(["rclone", "version"]), "fio": first_line(["fio", "--version"]),
            "rgw": first_line(["radosgw", "--version"])}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes for development (about 5 minutes)")
    p.add_argument("--env", default="/tmp/s3cfs-rgw/env")
    p.add_argument("--s3cfs", required=True)
    p.add_argument("--bench-dll", required=True)
    p.add_argument("--workdir", default="/var/tmp/s3cfs-bench")
    p.add_argument("--results", default="bench-results")
    p.add_argument("--only", default="s3cfs-enc,s3cfs-plain,s3fs,rclone,direct")
    p.add_argument("--workloads", default="seq,small,ls,random,overwrite")
    p.add_argument("--repeats", type=int)
    p.add_argument("--cache-size-mib", type=int, default=256)
    p.add_argument("--s3cfs-options", default="", help="extra options-file lines for both s3cfs mounts, comma-separated "
                   "key=value (e.g. attributes=listing)")
    p.add_argument("--keep", action="store_true", help="keep the objects and the work directory")
    a = p.parse_args()
    a.only = a.only.split(",")
    a.workloads = a.workloads.split(",")
    if "random" in a.workloads or "overwrite" in a.workloads:
        if "seq" not in a.workloads:
            p.error("random and overwrite use the file written by seq")
    a.size_mib, a.small_files, a.small_size, a.ls_entries, a.fio_seconds = (
        (64, 100, 4096, 1000, 5) if a.quick else (1024, 1000, 4096, 10000, 30))
    a.repeats = a.repeats or (1 if a.quick else 3)
    os.makedirs(a.workdir, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)

    def interrupted(signum, _):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    bench = Bench(a)
    stamp = bench.ctx.run_id
    failed = None
    try:
        bench.run()
    except BaseException as e:  # noqa: BLE001 - report what was measured, then clean up
        failed = f"{type(e).__name__}: {e}"
        log(f"FAILED: {failed}")
        for m in bench.mounts:
            if os.path.exists(m.log):
                shutil.copy(m.log, os.path.join(a.results, f"{stamp}-{m.name}.log"))
    finally:
        bench.cleanup()
    bench.results["meta"]["failed"] = failed
    with open(os.path.join(a.results, stamp + ".json"), "w") as f:
        json.dump(bench.results, f, indent=1)
    text = report.render(bench.results)
    with open(os.path.join(a.results, stamp + ".md"), "w") as f:
        f.write(text)
    print(text)
    log(f"results: {os.path.join(a.results, stamp + '.md')} (and .json)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
