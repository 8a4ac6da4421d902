#!/usr/bin/env bash
# Stops the cluster started by rgw-start.sh (same RGW_BASE) and deletes its data. Ends only processes whose pid
# files are under RGW_BASE and whose command line still names this cluster's ceph.conf (guards against pid reuse).
set -u
RGW_BASE=${RGW_BASE:-/tmp/s3cfs-rgw}
CONF="$RGW_BASE/ceph.conf"

ours() {
  local pid=$1
  [ -r "/proc/$pid/cmdline" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$CONF"
}

wait_gone() {
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "$@"; do ours "$pid" && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
}

[ -d "$RGW_BASE" ] || { echo "rgw-stop: nothing at $RGW_BASE"; exit 0; }
pids=()
# radosgw exits cleanly on SIGTERM; mon and OSD data is thrown away, so they get SIGKILL.
for f in "$RGW_BASE"/run/client.rgw.*.pid; do
  [ -s "$f" ] || continue
  pid=$(cat "$f"); if ours "$pid"; then kill -TERM "$pid" 2>/dev/null && pids+=("$pid"); fi
done
[ ${#pids[@]} -gt 0 ] && wait_gone "${pids[@]}"
for f in "$RGW_BASE"/run/client.rgw.*.pid "$RGW_BASE"/run/osd.*.pid "$RGW_BASE"/run/mon.*.pid; do
  [ -s "$f" ] || continue
  pid=$(cat "$f"); if ours "$pid"; then kill -KILL "$pid" 2>/dev/null; pids+=("$pid"); fi
done
[ ${#pids[@]} -gt 0 ] && wait_gone "${pids[@]}"
case "$RGW_BASE" in /|""|/tmp|/root|/home) echo "rgw-stop: refusing to delete '$RGW_BASE'" >&2; exit 1 ;; esac
rm -rf -- "$RGW_BASE"
echo "rgw-stop: stopped ${#pids[@]} daemon(s), removed $RGW_BASE"
