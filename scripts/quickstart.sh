#!/usr/bin/env bash
# The README's first quick-start command: shows S3Fs working on this machine.
#   - installs the system packages and s3cfs itself (scripts/install-deps.sh, scripts/install.sh)
#   - uses the S3 endpoint in $S3_ENDPOINT (with $S3_BUCKET and the usual AWS_* credentials) if one is configured,
#     otherwise starts a throw-away Ceph RGW on 127.0.0.1 (scripts/rgw-start.sh)
#   - writes a demo options file and master key under $DEMO_DIR (default /tmp/s3cfs-demo) and runs the main job
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_DIR=${DEMO_DIR:-/tmp/s3cfs-demo}

scripts/install-deps.sh
scripts/install.sh

if [ -z "${S3_ENDPOINT:-}" ]; then
  echo "quickstart: no S3_ENDPOINT configured: starting a local Ceph RGW on 127.0.0.1"
  scripts/rgw-start.sh
  # shellcheck disable=SC1091
  . "${RGW_BASE:-/tmp/s3cfs-rgw}/env"
fi
: "${S3_BUCKET:?set S3_BUCKET to the bucket to use}"

mkdir -p "$DEMO_DIR" && chmod 700 "$DEMO_DIR"
[ -f "$DEMO_DIR/demo.key" ] || s3cfs keygen "$DEMO_DIR/demo.key" >/dev/null
cat > "$DEMO_DIR/demo.conf" <<CONF
# Written by scripts/quickstart.sh
bucket     = $S3_BUCKET
prefix     = s3cfs-demo
endpoint   = $S3_ENDPOINT
checksums  = ${AWS_REQUEST_CHECKSUM_CALCULATION:-when_supported}
master_key = file:$DEMO_DIR/demo.key
CONF
echo "quickstart: options file $DEMO_DIR/demo.conf"
echo
echo "\$ s3cfs ls $DEMO_DIR/demo.conf"
s3cfs ls "$DEMO_DIR/demo.conf"
echo "quickstart: done"
