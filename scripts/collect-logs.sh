#!/usr/bin/env bash
# Gathers what support needs from a post into one tar.gz on this laptop; secrets masked.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
  cat <<'HELP'
Usage: scripts/collect-logs.sh --host USER@ADDRESS [--ssh-opts "OPTS"] [--local] [--days N] [--out FILE]

Writes FILE (default chasqui-logs-HOST-YYYYmmddTHHMMSS.tar.gz) holding:
  journal.txt    journalctl of chasqui-post, chasqui-bridge, chasqui-hub for the last N (7) days
  config/*.json  /etc/chasqui/*.json with every password, secret, token and key masked
  healthz.json   the post's /healthz (or the error)
  versions.txt   current release, releases on disk, Node.js, npm, kernel, OS
  units.txt      systemctl status of the units
No patient data: the databases under /var/lib/chasqui are not collected.
HELP
}

DAYS=7 OUT=''
while [[ $# -gt 0 ]]; do
  case "$1" in
    --host) need_value "$@"; CHASQUI_HOST="$2"; shift 2 ;;
    --ssh-opts) need_value "$@"; CHASQUI_SSH_OPTS="$2"; shift 2 ;;
    --local) CHASQUI_LOCAL=1; shift ;;
    --days) need_value "$@"; DAYS="$2"; shift 2 ;;
    --out) need_value "$@"; OUT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
require_target
[[ "$DAYS" =~ ^[0-9]+$ ]] || die "--days must be a number"
name="${CHASQUI_HOST#*@}"; [[ -n "$name" ]] || name=local
[[ -n "$OUT" ]] || OUT="chasqui-logs-${name}-$(date -u +%Y%m%dT%H%M%S).tar.gz"

# shellcheck disable=SC2016
BODY='
days="$1"; work=$(mktemp -d); trap "rm -rf \"$work\"" EXIT
mkdir "$work/config"
if command -v journalctl >/dev/null && has_systemd; then
  journalctl -u chasqui-post -u chasqui-bridge -u chasqui-hub --since "$days days ago" --no-pager -o short-iso > "$work/journal.txt" 2>&1 || true
  systemctl status --no-pager chasqui-post chasqui-bridge chasqui-hub > "$work/units.txt" 2>&1 || true
else
  echo "systemd is not running on this machine: no journal" > "$work/journal.txt"
fi
# Masks by key name, at any depth: a new secret key is masked as long as its name says so.
for f in "$ETC"/*.json; do
  [ -e "$f" ] || continue
  node -e "const mask=(v)=>Array.isArray(v)?v.map(mask):v&&typeof v===\"object\"?Object.fromEntries(Object.entries(v).map(([k,x])=>[k,/pass|secret|token|key/i.test(k)?\"***\":mask(x)])):v;
    try{console.log(JSON.stringify(mask(JSON.parse(require(\"fs\").readFileSync(process.argv[1],\"utf8\"))),null,2))}catch(e){console.log(\"unreadable: \"+e.message)}" "$f" > "$work/config/$(basename "$f")"
done
[ ! -e "$ETC/post.json" ] || http_get "$(post_healthz_url)" > "$work/healthz.json" 2>&1 || echo "{\"error\":\"/healthz did not answer\"}" > "$work/healthz.json"
{
  echo "current:  $(readlink "$PREFIX/current" 2>/dev/null || echo none)"
  echo "releases: $(ls "$PREFIX/releases" 2>/dev/null | tr "\n" " ")"
  echo "node:     $(node -v 2>/dev/null || echo missing)"
  echo "npm:      $(npm -v 2>/dev/null || echo missing)"
  echo "kernel:   $(uname -a)"
  grep PRETTY_NAME /etc/os-release 2>/dev/null || true
  echo "uptime:   $(uptime)"
} > "$work/versions.txt"
tar -czf - -C "$work" .
'
tmp="$OUT.part"
run_remote_script "$(remote_env)$REMOTE_LIB$BODY" "$DAYS" > "$tmp" || { rm -f "$tmp"; die "collecting failed"; }
mv "$tmp" "$OUT"
log "wrote $OUT"
echo "$OUT"
