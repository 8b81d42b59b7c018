#!/usr/bin/env bash
# Gateway upgrades as a transaction with two real releases from npm: A -> B through the host's upgrade.sh,
# broken releases rolled back automatically with their pre-upgrade state, the operator's rollback; on the VM
# shape (prod's rendered files) and the Docker target. Ends with the "upgrade: A -> B ok …" line.
# Reuses the gateway image cache in $OPENCLAW_CI_CACHE (the older release is cached the same way).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npm run -s e2e:upgrade
