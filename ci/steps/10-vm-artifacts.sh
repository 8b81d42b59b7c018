#!/usr/bin/env bash
# Real-tool checks on what `npm run plan -- --out` writes for the shipped VM stacks: cloud-init's
# schema, systemd-analyze verify + security (exposure <= 2.0), shellcheck, docker-compose config, and the
# compose file started locked down on a real Docker engine.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
max_exposure="2.0"
fail=0

for stack in dev prod; do
  rc=0
  npm run --silent plan -- --stack "$stack" --out "$out/$stack" >"$out/$stack.plan.txt" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL  plan $stack exited $rc"; tail -30 "$out/$stack.plan.txt"; fail=1; continue
  fi
  vm="$out/$stack/vm"
  echo "== $stack: $(find "$vm" -type f | wc -l) artifacts"

  if cloud-init schema --config-file "$vm/user-data.yaml" >"$out/schema.txt" 2>&1; then
    echo "PASS  cloud-init schema: $(tail -1 "$out/schema.txt")"
  else
    echo "FAIL  cloud-init schema"; cat "$out/schema.txt"; fail=1
  fi

  # verify resolves dependencies from the stack's own units first, then this machine's. The scripts a unit
  # runs are not installed here: each must instead be one of the files the user data writes.
  units="$out/$stack-units"
  mkdir -p "$units"
  cp "$vm"/units/* "$units/"
  host_paths="$(npx --no-install tsx -e 'console.log(Object.keys(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))).join("\n"))' "$vm/host-files.json")"
  for unit in "$units"/*.service "$units"/*.timer; do
    [ -e "$unit" ] || continue
    name="$(basename "$unit")"
    problems=""
    while IFS= read -r line; do
      [ -n "$line" ] || continue
      missing="$(sed -n 's/^.*: Command \(\/[^ ]*\) is not executable: No such file or directory$/\1/p' <<<"$line")"
      if [ -n "$missing" ] && grep -qxF "$missing" <<<"$host_paths"; then continue; fi
      # Units of the host OS that this machine lacks (docker.io's, cloud-init's) are not ours to verify.
      grep -qE 'docker\.(service|socket)|network-online\.target' <<<"$line" && continue
      problems+="$line"$'\n'
    done < <(SYSTEMD_UNIT_PATH="$units:" systemd-analyze verify --man=no "$unit" 2>&1)
    if [ -z "$problems" ]; then
      echo "PASS  systemd-analyze verify $name"
    else
      echo "FAIL  systemd-analyze verify $name"; printf '%s' "$problems"; fail=1
    fi
    case "$name" in *.service)
      score="$(systemd-analyze security --offline=true "$unit" 2>/dev/null | awk '/Overall exposure level/ {print $(NF-2)}')"
      if awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s != "" && s <= m) }'; then
        echo "PASS  exposure $name = $score (<= $max_exposure)"
      else
        echo "FAIL  exposure $name = ${score:-?} (> $max_exposure)"; fail=1
      fi
    esac
  done

  for script in "$vm"/scripts/*.sh; do
    [ -e "$script" ] || continue
    if shellcheck "$script"; then echo "PASS  shellcheck $(basename "$script")"; else echo "FAIL  shellcheck $(basename "$script")"; fail=1; fi
  done

  env_file="$(mktemp)"
  if sed "s#/run/openclaw/[a-z]*\.env#$env_file#g" "$vm/compose.yaml" | docker-compose -f - config -q; then
    echo "PASS  docker-compose config"
  else
    echo "FAIL  docker-compose config"; fail=1
  fi
  rm -f "$env_file"
done

if [ "$fail" -eq 0 ]; then
  echo "== compose file on a real Docker engine (prod)"
  bash test/engine/compose-lockdown.sh "$out/prod/vm/compose.yaml" || fail=1
fi
exit "$fail"
