"""The mounts the benchmark compares: how each is configured, mounted, unmounted, and where its files land in S3.

Every contender gets its own fresh key prefix and mount point, and temporary configuration files only: the
system's rclone and s3fs configuration, and /etc/fstab, are never read or written.
"""
import json
import os
import signal
import subprocess
import time
import urllib.request

MiB = 1024 * 1024
READY_TIMEOUT = 120  # seconds: a mount on a busy two-core machine can take a while to answer
EXIT_TIMEOUT = 600   # seconds: unmount waits for pending uploads (s3cfs), which can be a whole 1 GiB file


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def vm_hwm_kib(pid):
    """Peak resident set size (VmHWM) of a process, in KiB, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def wait_exit(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A child of ours stays a zombie until reaped.
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


class Mount:
    """A mount contender. Subclasses start the serving process; this class tracks it and its peak memory."""

    name = ""
    label = ""

    def __init__(self, ctx, name):
        self.ctx = ctx
        self.name = name
        self.prefix = f"{ctx.run_prefix}{name}/"
        self.mnt = os.path.join(ctx.workdir, "mnt-" + name)
        self.log = os.path.join(ctx.workdir, name + ".log")
        os.makedirs(self.mnt, exist_ok=True)
        self.pid = None
        self.proc = None
        self.peak_rss_kib = {}  # phase -> highest VmHWM seen in that phase
        self.mounts = 0

    # --- to implement -------------------------------------------------------------------------------------
    def _start(self, endpoint):
        raise NotImplementedError

    def _stop(self):
        subprocess.run(["fusermount3", "-u", self.mnt], check=True, capture_output=True)

    def stored_size(self, plain_size):
        """Smallest object size that can hold plain_size bytes of this contender's format."""
        return plain_size

    # --- common -------------------------------------------------------------------------------------------
    def mount(self, endpoint=None):
        if mounted(self.mnt):
            raise RuntimeError(f"{self.mnt} is still mounted")
        self._start(endpoint or self.ctx.endpoint)
        self.mounts += 1

    def _wait_mounted(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while not mounted(self.mnt):
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name}: mount process exited ({self.proc.returncode}); see {self.log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: not mounted after {READY_TIMEOUT} s; see {self.log}")
            time.sleep(0.05)

    def unmount(self, phase):
        """Records the serving process's peak RSS under phase, unmounts and waits for the process to end."""
        if self.pid is not None:
            hwm = vm_hwm_kib(self.pid)
            if hwm is not None:
                self.peak_rss_kib[phase] = max(self.peak_rss_kib.get(phase, 0), hwm)
        if mounted(self.mnt):
            self._stop()
        if self.pid is not None and not wait_exit(self.pid, EXIT_TIMEOUT):
            raise RuntimeError(f"{self.name}: serving process {self.pid} still running {EXIT_TIMEOUT} s after unmount")
        self.pid = None
        self.proc = None

    def force_unmount(self):
        """Cleanup after a failure: lazy unmount, then end our own serving process (by its pid only)."""
        if mounted(self.mnt):
            subprocess.run(["fusermount3", "-uz", self.mnt], capture_output=True)
        if self.pid is not None and not wait_exit(self.pid, 30):
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.pid = None

    def key(self, rel):
        return self.prefix + rel

    def keys(self, rels):
        return [self.key(r) for r in rels]

    def busy(self):
        """True while the mount says it still has uploads to do (only rclone reports this)."""
        return False

    def path(self, rel):
        return os.path.join(self.mnt, rel)


class S3cfs(Mount):
    """Our mount, encrypted (file master key) or not (encryption = none), with default settings otherwise."""

    def __init__(self, ctx, encrypted):
        super().__init__(ctx, "s3cfs-enc" if encrypted else "s3cfs-plain")
        self.encrypted = encrypted
        self.label = "s3cfs encrypted" if encrypted else "s3cfs plain"

    def _start(self, endpoint):
        conf = os.path.join(self.ctx.workdir, self.name + ".conf")
        lines = [f"bucket = {self.ctx.bucket}", f"prefix = {self.prefix.rstrip('/')}", f"endpoint = {endpoint}",
                 "checksums = when_required", f"log_file = {self.log}",
                 f"cache_size = {self.ctx.cache_size_mib}MiB"]
        lines += [o.replace("=", " = ", 1) for o in self.ctx.s3cfs_options]
        lines.append(f"master_key = file:{self.ctx.master_key}" if self.encrypted else "encryption = none")
        with open(conf, "w") as f:
            f.write("# written by scripts/bench\n" + "\n".join(lines) + "\n")
        out = subprocess.run([self.ctx.s3cfs, "mount", conf, self.mnt], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"s3cfs mount failed: {out.stderr.strip()}; see {self.log}")
        self.pid = self.stats()["pid"]

    def _stop(self):
        out = subprocess.run([self.ctx.s3cfs, "unmount", self.mnt], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"s3cfs unmount failed: {out.stderr.strip()}")

    def stats(self):
        out = subprocess.run([self.ctx.s3cfs, "stats", self.mnt, "--json"], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    def stored_size(self, plain_size):
        return plain_size  # ciphertext is larger; the check is "at least the plaintext"


class S3fsFuse(Mount):
    """s3fs-fuse (the peer named s3fs; ours is s3cfs) with its defaults: no local cache, uploads at close."""

    label = "s3fs-fuse"

    def __init__(self, ctx):
        super().__init__(ctx, "s3fs")
        self.passwd = os.path.join(ctx.workdir, "s3fs.passwd")
        with open(os.open(self.passwd, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(f"{ctx.access_key}:{ctx.secret_key}\n")

    def _start(self, endpoint):
        log = open(self.log, "a")
        self.proc = subprocess.Popen(
            ["s3fs", f"{self.ctx.bucket}:/{self.prefix.rstrip('/')}", self.mnt, "-f",
             "-o", f"url={endpoint},use_path_request_style,passwd_file={self.passwd}"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.pid = self.proc.pid
        self._wait_mounted()


class Rclone(Mount):
    """rclone mount of a crypt remote over an s3 remote, --vfs-cache-mode writes (rclone's advice for a mount that
    must support ordinary writes), and --vfs-write-back 0s so uploads start at close instead of 5 s later (the
    most favourable setting for rclone's durability times). Other settings are rclone's defaults."""

    label = "rclone crypt"

    def __init__(self, ctx):
        super().__init__(ctx, "rclone")
        self.conf = os.path.join(ctx.workdir, "rclone.conf")
        self.rc_port = ctx.free_port()
        self.env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}  # rclone 1.60 fails with it set
        self._write_conf(ctx.endpoint)
        self._names = {}

    def _write_conf(self, endpoint):
        def obscure(text):
            return subprocess.run(["rclone", "obscure", text], capture_output=True, text=True, check=True,
                                  env=self.env).stdout.strip()
        c = self.ctx
        with open(os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(f"[s3]\ntype = s3\nprovider = Other\naccess_key_id = {c.access_key}\n"
                    f"secret_access_key = {c.secret_key}\nendpoint = {endpoint}\nforce_path_style = true\n"
                    f"region = us-east-1\n\n[crypt]\ntype = crypt\nremote = s3:{c.bucket}/{self.prefix.rstrip('/')}\n"
                    f"password = {obscure('bench-' + c.run_id)}\npassword2 = {obscure('bench-salt-' + c.run_id)}\n")

    def _start(self, endpoint):
        self._write_conf(endpoint)
        cache = os.path.join(self.ctx.workdir, f"rclone-cache-{self.mounts}")  # a fresh cache per mount: cold
        log = open(self.log, "a")
        self.proc = subprocess.Popen(
            ["rclone", "mount", "crypt:", self.mnt, "--config", self.conf, "--vfs-cache-mode", "writes",
             "--vfs-write-back", "0s", "--cache-dir", cache, "--rc", "--rc-addr", f"127.0.0.1:{self.rc_port}",
             "--rc-no-auth"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=self.env,
            start_new_session=True)
        log.close()
        self.pid = self.proc.pid
        self._wait_mounted()

    def stored_size(self, plain_size):
        # rclone crypt: a 32-byte header, then 16 bytes of tag per 64 KiB block.
        return 32 + plain_size + 16 * -(-plain_size // 65536)

    def keys(self, rels):
        missing = [r for r in rels if r not in self._names]
        for i in range(0, len(missing), 2000):
            batch = missing[i:i + 2000]
            out = subprocess.run(["rclone", "backend", "encode", "--config", self.conf, "crypt:", *batch],
                                 capture_output=True, text=True, check=True, env=self.env).stdout.split()
            self._names.update(zip(batch, out))
        return [self.prefix + self._names[r] for r in rels]

    def key(self, rel):
        return self.keys([rel])[0]

    def busy(self):
        request = urllib.request.Request(f"http://127.0.0.1:{self.rc_port}/vfs/stats", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            cache = json.load(response)["diskCache"]
        return cache["uploadsInProgress"] + cache["uploadsQueued"] > 0
