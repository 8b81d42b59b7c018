#!/usr/bin/env bash
# The default ingress of dev and prod, for real: the rendered Tailscale sidecar (containerboot, tailscaled,
# tailscale v1.84.3 from the Go module proxy) joins a local tailnet (our control server, DERP and STUN in a
# container), next to the real gateway; a second node reaches the gateway through the tailnet and the
# serve config. e2e/tailscale/run.sh builds and caches what it needs, prints PASS/FAIL per check and ends
# with the summary line; it exits non-zero on any failed check.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npm run -s e2e:tailscale
