"""What the benchmark does inside a mount, and how it decides that a write is durable.

The file operations run in the orchestrator's own process (no process start inside a timing). Reads and writes use
1 MiB system calls for large files, one open/write/close per small file, as ordinary programs do.
"""
import os
import random
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

MiB = 1024 * 1024
IO = MiB
POLL = 0.1  # seconds between durability checks: the error it adds is small next to the times it ends


def seq_write(src, dst, size):
    """Writes size bytes of src to dst (create/truncate) and closes it; returns the monotonic time at close."""
    buf = bytearray(IO)
    view = memoryview(buf)
    fd_in = os.open(src, os.O_RDONLY)
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        done = 0
        while done < size:
            n = os.readv(fd_in, [view[:min(IO, size - done)]])
            written = 0
            while written < n:
                written += os.write(fd, view[written:n])
            done += n
    finally:
        os.close(fd_in)
        os.close(fd)  # the mount's flush: s3cfs and s3fs-fuse upload here
    return time.monotonic()


def seq_read(path):
    """Reads a file to the end with 1 MiB reads; returns the byte count."""
    buf = bytearray(IO)
    total = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        while True:
            n = os.readv(fd, [buf])
            if n == 0:
                return total
            total += n
    finally:
        os.close(fd)


def check_samples(path, src, size, samples=16, seed=7):
    """Compares samples 1 MiB ranges of path with src (after a timed read, so not part of any time)."""
    rnd = random.Random(seed)
    with open(path, "rb") as f, open(src, "rb") as s:
        for offset in [0, max(0, size - IO)] + [rnd.randrange(0, max(1, size - IO)) for _ in range(samples - 2)]:
            f.seek(offset)
            s.seek(offset)
            if f.read(IO) != s.read(min(IO, size - offset)):
                raise RuntimeError(f"{path}: bytes at {offset} differ from what was written")


def small_write(directory, count, size, src_bytes):
    """Creates count files of size bytes (file i holds src_bytes[i*size:(i+1)*size]); returns the time at the last close."""
    for i in range(count):
        with open(os.path.join(directory, f"f{i:05d}"), "wb") as f:
            f.write(src_bytes[i * size:(i + 1) * size])
    return time.monotonic()


def small_read(directory, count, size, src_bytes):
    """Reads every file back and checks its bytes."""
    for i in range(count):
        with open(os.path.join(directory, f"f{i:05d}"), "rb") as f:
            if f.read() != src_bytes[i * size:(i + 1) * size]:
                raise RuntimeError(f"{directory}/f{i:05d}: not the bytes written")


def populate(directory, count, threads=16):
    """Creates count empty files with several threads (setup of the listing workload)."""
    def make(i):
        os.close(os.open(os.path.join(directory, f"f{i:05d}"), os.O_WRONLY | os.O_CREAT, 0o644))
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(make, range(count)))
    return time.monotonic()


def ls_l(directory):
    """Runs ls -l on a directory; returns the number of entries it printed."""
    out = subprocess.run(["ls", "-l", "--color=never", directory], capture_output=True, check=True).stdout
    return out.count(b"\n") - 1  # minus the "total" line


def overwrite(path, offset, data):
    """Writes data at offset inside an existing file (no truncation) and closes it; returns the time at close."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)
    return time.monotonic()


def wait_durable(s3, mount, expect, closed_at, timeout=1800):
    """The time at which every expected object is in the bucket: closed_at if they all are right after the close
    (s3cfs and s3fs-fuse upload before close returns), else the first poll that sees them all (rclone uploads in
    the background after close). expect maps key -> (minimum size, ETag it must no longer have, or None)."""
    def satisfied():
        if len(expect) <= 4:
            found = {k: s3.head(k) for k in expect}
        else:
            found = s3.list(os.path.commonprefix(list(expect)).rpartition("/")[0] + "/")
        for key, (min_size, old_etag) in expect.items():
            have = found.get(key)
            if have is None or have[0] < min_size or (old_etag is not None and have[1] == old_etag):
                return False
        return True

    if not mount.busy() and satisfied():
        return closed_at
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(POLL)
        if mount.busy():
            continue
        if satisfied():
            return time.monotonic()
    raise RuntimeError(f"{mount.name}: objects not all stored {timeout} s after close")
