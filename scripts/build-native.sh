#!/usr/bin/env bash
# Builds the native libfuse3 shim (native/fuse-shim) into native/out/linux-x64/libs3fs_fuse.so.
# Idempotent and quick when nothing changed (cmake only rebuilds what is out of date).
# Needs cmake, a C compiler, pkg-config and libfuse3-dev: scripts/install-deps.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "$(uname -s)" != Linux ]; then
  echo "build-native: nothing to build on $(uname -s) (the FUSE shim is Linux-only)"
  exit 0
fi
for tool in cmake cc pkg-config; do
  command -v "$tool" >/dev/null || { echo "build-native: '$tool' not found; run scripts/install-deps.sh" >&2; exit 1; }
done
pkg-config --exists fuse3 || { echo "build-native: libfuse3 headers not found (pkg-config fuse3); run scripts/install-deps.sh" >&2; exit 1; }

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "build-native: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
out="$root/native/out/$rid"
build="$root/native/out/build-$rid"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S native/fuse-shim -B "$build" -DCMAKE_BUILD_TYPE=Release -DS3FS_OUT_DIR="$out" >/dev/null
fi
cmake --build "$build" --parallel 2 -- --no-print-directory >/dev/null
echo "build-native: $out/libs3fs_fuse.so (libfuse $(pkg-config --modversion fuse3))"
