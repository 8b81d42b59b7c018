#!/usr/bin/env bash
# Mounts the gateway's encrypted EBS data volume at /var/lib/openclaw, formatting it only when it is blank.
# The volume is found by its id (NVMe serial), never by device order, which changes between instance types.
set -euo pipefail

volume_id="${OPENCLAW_DATA_VOLUME_ID:?set by the unit}"
mount_point="/var/lib/openclaw"
serial="${volume_id//-/}"
device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${serial}"

# The attachment is created after the instance boots: wait for it (up to 10 minutes).
for _ in $(seq 1 120); do
  [ -e "$device" ] && break
  sleep 5
done
if [ ! -e "$device" ]; then
  echo "openclaw-data: volume ${volume_id} not attached after 10 minutes (looked for ${device})" >&2
  exit 1
fi

if ! blkid "$device" >/dev/null 2>&1; then
  echo "openclaw-data: ${volume_id} has no file system; formatting (first boot)"
  mkfs.ext4 -q -L openclaw-data "$device"
fi

mkdir -p "$mount_point"
if ! mountpoint -q "$mount_point"; then
  mount -o defaults,nodev,nosuid,noexec "$device" "$mount_point"
fi

# The gateway runs as uid 1000 in its container; a root-owned state dir is the most reported failure (EACCES).
install -d -m 0700 -o 1000 -g 1000 "${mount_point}/state"
echo "openclaw-data: ${volume_id} mounted at ${mount_point}"
