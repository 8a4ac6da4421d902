#!/usr/bin/env bash
# Starts a throw-away Ceph cluster (one monitor, one OSD, one radosgw) on 127.0.0.1 for tests and benchmarks,
# creates an S3 user and a bucket, and writes a sourceable env file with the endpoint and credentials.
# Nothing listens on any address but loopback. Stop it with scripts/rgw-stop.sh (same RGW_BASE).
#
#   RGW_BASE    state directory (default /tmp/s3cfs-rgw); its env file is $RGW_BASE/env
#   RGW_PORT    S3 port (default 7480)      RGW_BUCKET  bucket to create (default s3cfs-test)
#
# Exit 0 and "ready" when S3 answers; if a healthy cluster already runs under RGW_BASE, reuses it.
set -euo pipefail

RGW_BASE=${RGW_BASE:-/tmp/s3cfs-rgw}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-13300}
OSD_PORT_MIN=${OSD_PORT_MIN:-16800}
OSD_PORT_MAX=${OSD_PORT_MAX:-16900}
RGW_BUCKET=${RGW_BUCKET:-s3cfs-test}
RGW_ACCESS_KEY=${RGW_ACCESS_KEY:-S3CFSTESTACCESSKEY01}
RGW_SECRET_KEY=${RGW_SECRET_KEY:-s3cfstestsecretkey00000000000000000000001}
READY_TIMEOUT=${READY_TIMEOUT:-120}
here=$(cd "$(dirname "$0")" && pwd)

log() { echo "rgw-start: $*" >&2; }

s3() {  # s3 METHOD PATH [curl args...]: a SigV4-signed request with curl
  local method=$1 path=$2; shift 2
  curl -sS -o /dev/null -w '%{http_code}' -X "$method" --aws-sigv4 "aws:amz:us-east-1:s3" \
       --user "$RGW_ACCESS_KEY:$RGW_SECRET_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@" "http://127.0.0.1:$RGW_PORT$path"
}

if [ -f "$RGW_BASE/env" ]; then
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RGW_PORT/" || true)
  if [ "$code" = 200 ]; then
    log "reusing the cluster at $RGW_BASE (http://127.0.0.1:$RGW_PORT)"
    exit 0
  fi
  log "$RGW_BASE exists but S3 does not answer; restarting"
  "$here/rgw-stop.sh" >/dev/null 2>&1 || true
fi
if [ -e "$RGW_BASE" ]; then
  "$here/rgw-stop.sh" >/dev/null 2>&1 || true
fi

for bin in ceph-mon ceph-osd radosgw radosgw-admin monmaptool uuidgen curl python3; do
  command -v "$bin" >/dev/null || { log "$bin is missing: run scripts/install-deps.sh first"; exit 1; }
done
for p in "$RGW_PORT" "$MON_PORT"; do
  if ss -Hltn "sport = :$p" | grep -q .; then
    log "port $p is already in use by another program; set RGW_PORT / MON_PORT to free ports"
    exit 1
  fi
done

t0=$(date +%s.%N)
mkdir -p "$RGW_BASE"/{mon,osd,rgw,run,log,crash}
CONF="$RGW_BASE/ceph.conf"
FSID=$(uuidgen)
OSD_UUID=$(uuidgen)
# Two SSE-KMS keys for RGW's "testing" KMS backend (random per cluster).
KMS_KEY1=$(head -c32 /dev/urandom | base64 -w0)
KMS_KEY2=$(head -c32 /dev/urandom | base64 -w0)

cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon_host = v2:127.0.0.1:$MON_PORT
mon_initial_members = a
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
ms_bind_msgr1 = false
ms_bind_port_min = $OSD_PORT_MIN
ms_bind_port_max = $OSD_PORT_MAX
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# Without crc mode radosgw hangs when auth is off.
ms_mon_client_mode = crc
run_dir = $RGW_BASE/run
admin_socket = $RGW_BASE/run/\$name.asok
pid_file = $RGW_BASE/run/\$name.pid
log_file = $RGW_BASE/log/\$name.log
crash_dir = $RGW_BASE/crash
keyring = /dev/null
log_to_stderr = false
err_to_stderr = true
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 1
mon_data_avail_crit = 0
mon_max_pg_per_osd = 1000

[mon]
mon_data = $RGW_BASE/mon
mon_cluster_log_file = $RGW_BASE/log/cluster.log
# Commit map changes after 10 ms instead of 1 s: radosgw's first start creates several pools.
paxos_propose_interval = 0.01
paxos_min_wait = 0.001

[osd]
osd_data = $RGW_BASE/osd
osd_objectstore = bluestore
# The BlueStore file must live outside the OSD data directory. Sparse: only written blocks use disk.
bluestore_block_path = $RGW_BASE/bluestore.img
bluestore_block_create = true
bluestore_block_size = 42949672960
bluestore_fsck_on_mount = false
bluestore_fsck_on_mkfs = false
bluestore_cache_autotune = false
bluestore_cache_size = 268435456
osd_memory_target = 939524096

[client.rgw.test]
rgw_data = $RGW_BASE/rgw
# tcp_nodelay: without it each small response on a reused connection stalls ~40 ms.
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw_thread_pool_size = 64
rgw_init_timeout = 60
# SSE-C over plain HTTP on loopback, for tests only.
rgw_crypt_require_ssl = false
rgw_crypt_s3_kms_backend = testing
rgw_crypt_s3_kms_encryption_keys = testkey-1=$KMS_KEY1 testkey-2=$KMS_KEY2
rgw_gc_obj_min_wait = 60
rgw_gc_processor_period = 60
rgw_enable_usage_log = false
CONF

C=(--conf "$CONF")
trap 'log "FAILED at line $LINENO; logs in $RGW_BASE/log; clean up with scripts/rgw-stop.sh"' ERR

monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$RGW_BASE/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$RGW_BASE/monmap"
ceph-mon "${C[@]}" -i a
for _ in $(seq 1 100); do [ -s "$RGW_BASE/run/mon.a.pid" ] && break; sleep 0.1; done

OSD_ID=$(ceph "${C[@]}" --connect-timeout 30 osd new "$OSD_UUID")
ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" 2>>"$RGW_BASE/log/osd-mkfs.log"
ceph-osd "${C[@]}" -i "$OSD_ID"
osd_up=no
for _ in $(seq 1 $((READY_TIMEOUT*5))); do
  if ceph "${C[@]}" --connect-timeout 10 osd dump -f json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["osds"] and all(o["up"] and o["in"] for o in d["osds"]) else 1)'; then osd_up=yes; break; fi
  sleep 0.2
done
[ $osd_up = yes ] || { log "OSD not up after ${READY_TIMEOUT}s; see $RGW_BASE/log"; exit 1; }

# radosgw daemonizes only once it reached the cluster.
radosgw "${C[@]}" -n client.rgw.test
code=none
for _ in $(seq 1 $((READY_TIMEOUT*5))); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RGW_PORT/" || true)
  [ "$code" = 200 ] && break
  sleep 0.2
done
[ "$code" = 200 ] || { log "radosgw not ready after ${READY_TIMEOUT}s (last HTTP code $code)"; exit 1; }

radosgw-admin "${C[@]}" user create --uid=s3cfs-test --display-name=s3cfs-test \
    --access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" >/dev/null
code=$(s3 PUT "/$RGW_BUCKET")
[ "$code" = 200 ] || { log "creating bucket $RGW_BUCKET failed (HTTP $code)"; exit 1; }

t1=$(date +%s.%N)
cat > "$RGW_BASE/env.tmp" <<ENV
# Written by scripts/rgw-start.sh: a local Ceph RGW for tests. Source it.
export S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
export S3_BUCKET=$RGW_BUCKET
export AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1
export RGW_KMS_KEY_IDS="testkey-1 testkey-2"
export RGW_BASE=$RGW_BASE
export CEPH_CONF=$CONF
# RGW 16 rejects the trailing checksums that current AWS SDKs send by default.
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required
export AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
ENV
mv "$RGW_BASE/env.tmp" "$RGW_BASE/env"
log "ready at http://127.0.0.1:$RGW_PORT (bucket $RGW_BUCKET) in $(python3 -c "print(round($t1-$t0,1))") s; env: $RGW_BASE/env"
