#!/usr/bin/env bash
# Side-by-side benchmark (issue 4): s3cfs encrypted and plain against s3fs-fuse, rclone crypt and a direct S3
# client, in one run against the same local Ceph RGW. Method and latest numbers: docs/PERFORMANCE.md.
#
#   scripts/bench.sh [--quick] [--no-build] [bench.py options: --only, --workloads, --repeats, --keep ...]
#
#   --quick      64 MiB file, 100 small files, 1,000 entries, 5 s of fio, one run each (a few minutes)
#   --no-build   use the s3cfs and direct client already built under artifacts/bench
#   S3CFS=path   benchmark this s3cfs binary instead of building one from this worktree
#
# Needs root (FUSE mounts). Starts the RGW with scripts/rgw-start.sh if it is not running (never stops it).
# Results: bench-results/<run>.md and .json (git-ignored); the tables are printed at the end. Mounts, the bucket
# prefix (bench/<run>/) and the work directory (/var/tmp/s3cfs-bench/<run>) are removed at the end, even on failure.
# Never touches /etc/fstab or the system's rclone or s3fs configuration: every contender uses temporary files.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=yes
args=()
for a in "$@"; do
  case "$a" in
    --no-build) build=no ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (FUSE mounts of three different programs)" >&2; exit 2; }
scripts/install-deps.sh --bench >/dev/null
scripts/rgw-start.sh
env_file=${RGW_BASE:-/tmp/s3cfs-rgw}/env
# Credentials and endpoint for every contender (s3cfs and the direct client read them from the environment).
# shellcheck disable=SC1090
. "$env_file"

out=$root/artifacts/bench
dll=$root/tests/S3Fs.Benchmarks/bin/Release/net10.0/S3Fs.Benchmarks.dll
if [ "$build" = yes ]; then
  echo "bench: building s3cfs and the direct client (Release)" >&2
  scripts/build-native.sh >/dev/null
  if [ -z "${S3CFS:-}" ]; then
    dotnet publish src/S3Fs.Cli/S3Fs.Cli.csproj -c Release -o "$out/s3cfs" -nologo -v quiet -p:UseAppHost=true \
      -r linux-x64 --self-contained false -p:PublishReadyToRun=true >/dev/null
  fi
  dotnet build tests/S3Fs.Benchmarks/S3Fs.Benchmarks.csproj -c Release -nologo -v quiet >/dev/null
fi
s3cfs=${S3CFS:-$out/s3cfs/s3cfs}
[ -x "$s3cfs" ] || { echo "bench: $s3cfs not found (run without --no-build)" >&2; exit 1; }
[ -f "$dll" ] || { echo "bench: $dll not found (run without --no-build)" >&2; exit 1; }

workdir=/var/tmp/s3cfs-bench
# Backstop if the orchestrator itself is killed: detach any mount it left under the work directory.
cleanup() {
  while read -r _ mnt _; do
    case "$mnt" in "$workdir"/*) fusermount3 -uz "$mnt" 2>/dev/null || true ;; esac
  done < /proc/self/mounts
}
trap cleanup EXIT

python3 scripts/bench/bench.py --env "$env_file" --s3cfs "$s3cfs" --bench-dll "$dll" --workdir "$workdir" \
  --results "$root/bench-results" "${args[@]}"
