#!/usr/bin/env bash
# Builds s3cfs (native FUSE shim + .NET app) and installs it on PATH:
#   /usr/local/lib/s3cfs/   the published application (framework-dependent; needs the .NET 10 runtime)
#   /usr/local/bin/s3cfs    symlink used by users, scripts and mount.fuse3 (fstab type fuse.s3cfs)
# Idempotent. PREFIX changes /usr/local. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

scripts/install-deps.sh
[ -x scripts/build-native.sh ] && scripts/build-native.sh

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish src/S3Fs.Cli/S3Fs.Cli.csproj -c Release -o "$out" -nologo -v quiet -p:UseAppHost=true \
    -r linux-x64 --self-contained false -p:PublishReadyToRun=true >/dev/null
$SUDO rm -rf "$PREFIX/lib/s3cfs.new"
$SUDO mkdir -p "$PREFIX/lib" "$PREFIX/bin"
$SUDO cp -a "$out" "$PREFIX/lib/s3cfs.new"
$SUDO rm -rf "$PREFIX/lib/s3cfs"
$SUDO mv "$PREFIX/lib/s3cfs.new" "$PREFIX/lib/s3cfs"
$SUDO chmod -R a+rX "$PREFIX/lib/s3cfs"
$SUDO ln -sfn "$PREFIX/lib/s3cfs/s3cfs" "$PREFIX/bin/s3cfs"
echo "install: $("$PREFIX/bin/s3cfs" --version) installed as $PREFIX/bin/s3cfs"
