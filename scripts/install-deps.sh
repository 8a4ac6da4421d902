#!/usr/bin/env bash
# Installs every system package S3Fs needs to build, test and benchmark on Debian 12. Idempotent: packages already
# present are not downloaded again. Run as root (or with sudo available).
#   build:      cmake, pkg-config, libfuse3-dev (the native FUSE shim)
#   run:        fuse3 (fusermount3, mount.fuse3)
#   test:       ceph-mon ceph-osd radosgw ceph-common (the local S3 server), uuid-runtime, curl, python3,
#               and the tools the end-to-end mount tests drive: sqlite3, rsync, attr (getfattr/setfattr), tar,
#               util-linux (setpriv, to act as another uid), coreutils and findutils (dd, truncate, sha256sum, find),
#               strace (counts the requests ls -l makes)
#   benchmarks: s3fs rclone fio awscli (peers and load generators; only with --bench)
set -euo pipefail

pkgs=(fuse3 libfuse3-dev pkg-config cmake gcc make ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl
      python3 sqlite3 rsync procps iproute2 attr tar util-linux coreutils findutils strace)
if [ "${1:-}" = "--bench" ]; then
  pkgs+=(s3fs rclone fio awscli time)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
