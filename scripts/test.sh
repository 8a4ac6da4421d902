#!/usr/bin/env bash
# Runs every test of S3Fs: unit, in-process conformance, integration against a local Ceph RGW, and real FUSE mounts.
# Installs what the tests need (scripts/install-deps.sh), builds the native shim and the solution, starts a local
# RGW for the run (or reuses one already running under RGW_BASE), and stops it afterwards if it started it.
# The last line is "N passed, N failed". Exit status 0 only if nothing failed and nothing was skipped.
#
#   scripts/test.sh                     everything
#   scripts/test.sh --filter EXPR       passes a dotnet test filter (e.g. "FullyQualifiedName~Options")
#   TEST_PROJECTS="S3Fs.Crypto.Tests"   restricts to some test projects
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
filter=()
if [ "${1:-}" = "--filter" ]; then filter=(--filter "$2"); fi

# One run at a time on a machine: mounts and the RGW ports are shared resources.
exec 9>/tmp/s3cfs-test.lock
flock -w 1800 9 || { echo "another scripts/test.sh holds /tmp/s3cfs-test.lock" >&2; exit 1; }

scripts/install-deps.sh
[ -x scripts/build-native.sh ] && scripts/build-native.sh

export RGW_BASE=${RGW_BASE:-/tmp/s3cfs-rgw}
started_rgw=no
if ! { [ -f "$RGW_BASE/env" ] && curl -s -o /dev/null "http://127.0.0.1:${RGW_PORT:-7480}/"; }; then
  scripts/rgw-start.sh
  started_rgw=yes
fi
results=$(mktemp -d /tmp/s3cfs-test-results.XXXXXX)
cleanup() {
  # Keep the run's exit status: nothing in here may change it (set -e and pipefail are off from here on).
  local status=$?
  set +e +o pipefail
  # Unmount anything a crashed test left behind under our temp mount roots.
  grep -E ' fuse\.s3cfs ' /proc/mounts 2>/dev/null | awk '{print $2}' | grep -E '^/tmp/s3cfs-' | while read -r m; do
    fusermount3 -u -z "$m" 2>/dev/null
  done
  if [ "$started_rgw" = yes ]; then scripts/rgw-stop.sh >/dev/null; fi
  rm -rf "$results"
  exit $status
}
trap cleanup EXIT
export S3FS_TEST_ENV="$RGW_BASE/env"

dotnet build S3Fs.sln -c Release -nologo -clp:ErrorsOnly

projects=${TEST_PROJECTS:-$(cd tests && ls -d S3Fs.*.Tests | tr '\n' ' ')}
for p in $projects; do
  echo "=== $p"
  # The exit status is not used: a project without tests exits non-zero; the results file is the truth.
  dotnet test "tests/$p/$p.csproj" -c Release --no-build -nologo \
        --logger "trx;LogFileName=$p.trx" --results-directory "$results" \
        --blame-hang-timeout 10m "${filter[@]}" || true
done

rc=0
python3 - "$results" $projects <<'PY' || rc=1
import sys, os, glob, xml.etree.ElementTree as ET
results, projects = sys.argv[1], sys.argv[2:]
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for p in projects:
    f = os.path.join(results, p + ".trx")
    if not os.path.exists(f):
        print(f"{p}: no results (the test host crashed or did not start)")
        failed += 1
        continue
    summary = ET.parse(f).getroot().find("t:ResultSummary", ns)
    c = summary.find("t:Counters", ns)
    pa, fa, ne = int(c.get("passed")), int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout")) + int(c.get("aborted")), int(c.get("notExecuted"))
    if fa == 0 and summary.get("outcome") in ("Error", "Aborted", "Timeout"):
        print(f"{p}: the run ended with outcome {summary.get('outcome')} (host crash or hang)")
        fa = 1
    passed += pa; failed += fa; skipped += ne
    print(f"{p}: {pa} passed, {fa} failed" + (f", {ne} skipped" if ne else ""))
if skipped:
    print(f"{skipped} tests were skipped; a skipped test counts as failed here")
    failed += skipped
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
exit $rc
