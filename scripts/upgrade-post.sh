#!/usr/bin/env bash
# Upgrades a post to a new release and rolls back by itself if it does not come up healthy.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
  cat <<'HELP'
Usage: scripts/upgrade-post.sh --host USER@ADDRESS --tarball chasqui-X.Y.Z.tgz [options]

Copies the release to /opt/chasqui/releases/X.Y.Z, installs its production dependencies,
points /opt/chasqui/current at it, restarts the units and waits for /healthz. If the post is
not healthy within --timeout seconds, `current` goes back to the previous release, the units
restart, and the script exits 3 ("rolled back").

  --host USER@ADDRESS   the post (needs root or passwordless sudo there)
  --ssh-opts "OPTS"     extra ssh options, e.g. "-p 2222 -i ~/.ssh/posts"
  --local               act on this machine instead of over ssh
  --tarball FILE        the release (npm pack of a built tree)
  --timeout SECONDS     how long to wait for /healthz (default 60)
  --units "U..."        units to restart (default "chasqui-bridge chasqui-post")
  --health-url URL      default: the post's http.port from /etc/chasqui/post.json
  -h, --help            this text
Exit: 0 upgraded, 1 error, 3 rolled back to the previous release.
HELP
}

TARBALL='' TIMEOUT=60 UNITS='chasqui-bridge chasqui-post' HEALTH_URL=''
while [[ $# -gt 0 ]]; do
  case "$1" in
    --host) need_value "$@"; CHASQUI_HOST="$2"; shift 2 ;;
    --ssh-opts) need_value "$@"; CHASQUI_SSH_OPTS="$2"; shift 2 ;;
    --local) CHASQUI_LOCAL=1; shift ;;
    --tarball) need_value "$@"; TARBALL="$2"; shift 2 ;;
    --timeout) need_value "$@"; TIMEOUT="$2"; shift 2 ;;
    --units) need_value "$@"; UNITS="$2"; shift 2 ;;
    --health-url) need_value "$@"; HEALTH_URL="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
require_target
[[ -f "$TARBALL" ]] || die "--tarball FILE is required and must exist"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds"

# shellcheck disable=SC2016
BODY='
tgz="$1"; timeout="$2"; url="$3"; read -r -a units <<< "$4"
[ -n "$url" ] || url=$(post_healthz_url)
prev=$(readlink "$PREFIX/current" 2>/dev/null) || { echo "no $PREFIX/current: provision the post first" >&2; exit 1; }
v=$(install_release "$tgz"); rm -f "$tgz"
healthy() {
  local body
  wait_healthz "$url" "$timeout" || return 1
  body=$(http_get "$url") || return 1
  # If /healthz reports a version it must be the new one; otherwise trust package.json.
  node -e "const h=JSON.parse(process.argv[1]);process.exit(h.ok===true&&(h.version===undefined||h.version===process.argv[2])?0:1)" "$body" "$1"
}
say "switching current: $(basename "$prev") -> $v"
switch_current "$PREFIX" "$PREFIX/releases/$v"
restart_units "${units[@]}"
if healthy "$v"; then
  say "healthy on $v ($url)"
  # Keep the three newest releases for a manual rollback; never the current or previous one.
  ls -1dt "$PREFIX"/releases/*/ | tail -n +4 | while read -r old; do
    [ "${old%/}" = "$prev" ] || rm -rf "$old"
  done
  exit 0
fi
say "not healthy within ${timeout}s: rolling back to $(basename "$prev")"
switch_current "$PREFIX" "$prev"
restart_units "${units[@]}"
if wait_healthz "$url" "$timeout"; then say "rolled back: $(basename "$prev") is healthy"; else say "rolled back, but $(basename "$prev") is not healthy either: run scripts/post-health.sh"; fi
exit 3
'
remote_tgz="/tmp/chasqui-upgrade-$$.tgz"
[[ "$CHASQUI_LOCAL" == 1 ]] && remote_tgz="$(mktemp -u "${TMPDIR:-/tmp}/chasqui-upgrade-XXXXXX.tgz")"
log "copying $(basename "$TARBALL") to ${CHASQUI_HOST:-this machine}"
copy_to_post "$TARBALL" "$remote_tgz"
rc=0
run_remote_script "$(remote_env)$REMOTE_LIB$BODY" "$remote_tgz" "$TIMEOUT" "$HEALTH_URL" "$UNITS" || rc=$?
case "$rc" in
  0) log "upgraded" ;;
  3) log "upgrade failed: ROLLED BACK to the previous release"; exit 3 ;;
  *) die "upgrade failed (exit $rc); current release unchanged unless said above" ;;
esac
