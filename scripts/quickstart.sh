#!/usr/bin/env bash
# The README's first quick-start command: shows S3Fs working on this machine.
#   - installs the system packages and s3cfs itself (scripts/install-deps.sh, scripts/install.sh)
#   - uses the S3 endpoint in $S3_ENDPOINT (with $S3_BUCKET and the usual AWS_* credentials) if one is configured,
#     otherwise starts a throw-away Ceph RGW on 127.0.0.1 (scripts/rgw-start.sh; stop it with scripts/rgw-stop.sh)
#   - creates a fresh master key and an options file under $DEMO_DIR (default /tmp/s3cfs-demo), mounts an
#     encrypted demo folder of the bucket, works in it with ordinary tools, and shows that the bucket holds only
#     ciphertext with the wrapped data key in each object's metadata; then unmounts
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_DIR=${DEMO_DIR:-/tmp/s3cfs-demo}
MNT="$DEMO_DIR/mnt"

scripts/install-deps.sh
scripts/install.sh

if [ -z "${S3_ENDPOINT:-}" ]; then
  echo "quickstart: no S3_ENDPOINT configured: starting a local Ceph RGW on 127.0.0.1"
  scripts/rgw-start.sh
  # shellcheck disable=SC1091
  . "${RGW_BASE:-/tmp/s3cfs-rgw}/env"
fi
: "${S3_BUCKET:?set S3_BUCKET to the bucket to use}"

run() { echo; echo "\$ $*"; "$@"; }

mkdir -p "$DEMO_DIR" "$MNT" && chmod 700 "$DEMO_DIR"
if mountpoint -q "$MNT"; then s3cfs unmount "$MNT"; fi
rm -f "$DEMO_DIR/demo.key"
run s3cfs keygen "$DEMO_DIR/demo.key"
prefix="s3cfs-demo-$(date +%s)"
cat > "$DEMO_DIR/demo.conf" <<CONF
# Written by scripts/quickstart.sh
bucket     = $S3_BUCKET
prefix     = $prefix
endpoint   = $S3_ENDPOINT
checksums  = ${AWS_REQUEST_CHECKSUM_CALCULATION:-when_supported}
master_key = file:$DEMO_DIR/demo.key
CONF
run cat "$DEMO_DIR/demo.conf"
run s3cfs mount "$DEMO_DIR/demo.conf" "$MNT"
trap 'mountpoint -q "$MNT" && s3cfs unmount --lazy "$MNT" >/dev/null 2>&1 || true' EXIT

secret="Top secret: the launch code is 0000 (quickstart $(date +%s))"
cd "$MNT"
run sh -c "echo '$secret' > notes.txt"
run mkdir -p photos/2024
run cp /etc/services photos/2024/services.txt
run sh -c "seq 1 100000 > photos/numbers.txt"
run ln -s photos/numbers.txt latest
run ls -l . photos photos/2024
run cat notes.txt
run sh -c "tail -n 2 latest"
run sha256sum /etc/services photos/2024/services.txt
cd /

run s3cfs unmount "$MNT"
echo
echo "quickstart: what the bucket holds (raw objects, read around s3cfs):"
raw() {  # GET an object directly from S3, signed with curl
  curl -sS --aws-sigv4 "aws:amz:${AWS_DEFAULT_REGION:-us-east-1}:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
       -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$S3_ENDPOINT/$S3_BUCKET/$prefix/$1" "${@:2}"
}
echo
echo "\$ first bytes of s3://$S3_BUCKET/$prefix/notes.txt"
raw notes.txt | head -c 96 | od -A d -t x1 | head -n 4
if raw notes.txt | grep -q "launch code"; then echo "quickstart: FAILED: plaintext found in the bucket" >&2; exit 1; fi
echo "(no plaintext: '$secret' is not in the object)"
echo
echo "\$ its metadata: the envelope with the wrapped data key"
raw notes.txt -I | grep -i '^x-amz-meta-' | sed 's/\r$//'
run s3cfs inspect "$DEMO_DIR/demo.conf" notes.txt
run s3cfs ls "$DEMO_DIR/demo.conf" photos
echo
echo "quickstart: done. Mount it again with: s3cfs mount $DEMO_DIR/demo.conf $MNT"
