#!/usr/bin/env bash
# One readable health report of a post: units, /healthz, release, disk, recent journal.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
  cat <<'HELP'
Usage: scripts/post-health.sh --host USER@ADDRESS [--ssh-opts "OPTS"] [--local] [--health-url URL] [--lines N]

Prints: each unit's state (systemctl), the post's /healthz, the current release and Node.js
version, disk use of /var/lib/chasqui, and the last N (50) journal lines of the units.
Exit: 0 healthy; 2 unhealthy (a unit not active, /healthz not answering or not ok, or the
data disk 90% full or more); 1 the check itself failed (ssh, usage).
A post that is up but not connected to the hub is reported (WARN) but not unhealthy: cases
wait in the outbox by design (store and forward).
HELP
}

HEALTH_URL='' LINES=50
while [[ $# -gt 0 ]]; do
  case "$1" in
    --host) need_value "$@"; CHASQUI_HOST="$2"; shift 2 ;;
    --ssh-opts) need_value "$@"; CHASQUI_SSH_OPTS="$2"; shift 2 ;;
    --local) CHASQUI_LOCAL=1; shift ;;
    --health-url) need_value "$@"; HEALTH_URL="$2"; shift 2 ;;
    --lines) need_value "$@"; LINES="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
require_target
[[ "$LINES" =~ ^[0-9]+$ ]] || die "--lines must be a number"

# shellcheck disable=SC2016
BODY='
url="$1"; lines="$2"; bad=0
[ -n "$url" ] || url=$(post_healthz_url)
section() { printf "\n== %s ==\n" "$1"; }
problem() { printf "UNHEALTHY: %s\n" "$1"; bad=1; }
echo "Chasqui post health: $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
section "services"
if has_systemd; then
  for u in chasqui-post chasqui-bridge; do
    state=$(systemctl is-active "$u" 2>/dev/null || true)
    printf "%-16s %s (since %s)\n" "$u" "$state" "$(systemctl show -P ActiveEnterTimestamp "$u" 2>/dev/null || true)"
    [ "$state" = active ] || problem "$u is $state"
  done
else
  echo "systemd is not running on this machine: units not checked"
fi
section "healthz ($url)"
if body=$(http_get "$url"); then
  node -e "const h=JSON.parse(process.argv[1]);console.log(JSON.stringify(h,null,2));
    if(h.connected===false)console.log(\"WARN: not connected to the hub; \"+h.queued+\" message(s) wait in the outbox\");
    process.exit(h.ok===true?0:1)" "$body" || problem "/healthz says not ok"
else
  problem "/healthz does not answer"
fi
section "release"
echo "current: $(readlink "$PREFIX/current" 2>/dev/null || echo none)"
echo "node:    $(node -v 2>/dev/null || echo missing)"
section "disk"
[ -d "$STATE" ] || problem "$STATE is missing"
df -h "$STATE" "$PREFIX" 2>/dev/null | awk "!seen[\$0]++" || true
use=$(df -P "$STATE" 2>/dev/null | awk "NR==2 {sub(/%/, \"\", \$5); print \$5}" || true)
[ -z "$use" ] || [ "$use" -lt 90 ] || problem "data disk ${use}% full"
section "journal (last $lines lines)"
if command -v journalctl >/dev/null && has_systemd; then
  journalctl -u chasqui-post -u chasqui-bridge -n "$lines" --no-pager -o short-iso 2>&1 || true
else
  echo "no journal on this machine"
fi
section "verdict"
if [ "$bad" = 0 ]; then echo HEALTHY; else echo UNHEALTHY; exit 2; fi
'
run_remote_script "$(remote_env)$REMOTE_LIB$BODY" "$HEALTH_URL" "$LINES"
