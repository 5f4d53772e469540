#!/usr/bin/env bash
# Provisions a health post's box (Raspberry Pi OS / Debian) over ssh, from a laptop.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
  cat <<'HELP'
Usage: scripts/provision-post.sh --host pi@10.0.0.5 --post-id yarinacocha-1 \
         --hub-url mqtts://hub.example.pe:8883 --hub-password-file FILE --hub-ca FILE \
         --hub-identity chasqui-id-1.hub.… \
         [--ssh-opts "OPTS"] [--tarball chasqui-X.Y.Z.tgz] [--http-host 0.0.0.0] [--http-port 8080] [--local]

On the post (as root, or through passwordless sudo):
  1. Node.js 24 LTS: kept if `node` is already 24 or newer; else from Debian if its candidate
     is 24+, else from NodeSource's node_24.x apt repository (signed, arm64 and x64; bookworm
     and Raspberry Pi OS bookworm ship 18, trixie 20, which reached its end of life in April
     2026). A post that had NodeSource's node_20.x is moved to node_24.x.
  2. the system user `chasqui` (no login, in group dialout for the serial ports).
  3. /etc/chasqui (root:chasqui 0750), /var/lib/chasqui (chasqui 0750), /opt/chasqui/releases.
  4. the release tarball into /opt/chasqui/releases/X.Y.Z, production dependencies, `current`.
  5. /etc/chasqui/hub-ca.pem (0640 root:chasqui), the hub certificate the post pins (hub.ca),
     and /etc/chasqui/post.json (0640 root:chasqui) from the arguments; bridge.json if absent;
     the post's keys and the nurse app's HTTPS certificate (served when --http-host is not
     loopback): write the SHA-256 fingerprint it prints on the box's label (README.md, "How a
     phone trusts the post"). Run it on the post's own network, so the certificate names the
     address phones use.
  6. the units chasqui-bridge and chasqui-post, enabled and started; waits for /healthz.
`chasqui hub add-post ID` at the hub prints the post id, the password to put in FILE and the
hub's public keys for --hub-identity (also `chasqui hub identity`). The post makes its own keys
here and this script prints their line: record it at the hub with `chasqui hub post-identity ID LINE`
(until then the hub holds the post's cases unopened);
`chasqui hub init` prints where the hub's certificate (--hub-ca FILE) is, and its SHA-256
fingerprint to compare with the one this script prints. The link is TLS: mqtt:// (plain) is
refused unless the hub is on the post's own loopback.
Running it again is safe: it keeps the user and directories and rewrites post.json.
Environment (tests): CHASQUI_PREFIX, CHASQUI_ETC, CHASQUI_STATE, CHASQUI_UNIT_DIR, CHASQUI_USER,
CHASQUI_RESTART_CMD (starts the post where systemd is not PID 1).
HELP
}

POST_ID='' HUB_URL='' PASSWORD_FILE='' HUB_CA='' HUB_IDENTITY='' TARBALL='' HTTP_HOST='' HTTP_PORT=8080
while [[ $# -gt 0 ]]; do
  case "$1" in
    --host) need_value "$@"; CHASQUI_HOST="$2"; shift 2 ;;
    --ssh-opts) need_value "$@"; CHASQUI_SSH_OPTS="$2"; shift 2 ;;
    --local) CHASQUI_LOCAL=1; shift ;;
    --post-id) need_value "$@"; POST_ID="$2"; shift 2 ;;
    --hub-url) need_value "$@"; HUB_URL="$2"; shift 2 ;;
    --hub-password-file) need_value "$@"; PASSWORD_FILE="$2"; shift 2 ;;
    --hub-ca) need_value "$@"; HUB_CA="$2"; shift 2 ;;
    --hub-identity) need_value "$@"; HUB_IDENTITY="$2"; shift 2 ;;
    --tarball) need_value "$@"; TARBALL="$2"; shift 2 ;;
    --http-host) need_value "$@"; HTTP_HOST="$2"; shift 2 ;;
    --http-port) need_value "$@"; HTTP_PORT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
require_target
# The same pattern as postId in node/config.ts: it is also the post's MQTT username.
[[ "$POST_ID" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] || die "--post-id must be lowercase letters, digits and dashes"
[[ "$HUB_URL" =~ ^mqtts?://[^[:space:]]+$ ]] || die "--hub-url must be mqtt://HOST:PORT or mqtts://HOST:PORT"
# The same rule as relay/link-security.ts: a plain link only to loopback, TLS only with a pinned certificate.
hub_host=${HUB_URL#*://}; hub_host=${hub_host%%/*}; hub_host=${hub_host##*@}
if [[ "$hub_host" == \[* ]]; then hub_host=${hub_host%%]*}; hub_host=${hub_host#\[}; else hub_host=${hub_host%%:*}; fi
if [[ "$HUB_URL" == mqtt://* ]]; then
  [[ "$hub_host" =~ ^(127\.[0-9.]+|localhost|::1)$ ]] || die "--hub-url $HUB_URL is plain MQTT to $hub_host: the password and patient data would cross the link unencrypted; use mqtts://$hub_host:8883 with --hub-ca FILE"
else
  [[ -n "$HUB_CA" ]] || die "--hub-url $HUB_URL needs --hub-ca FILE: the hub's certificate (chasqui hub init prints where it is)"
fi
if [[ -n "$HUB_CA" ]]; then
  [[ -r "$HUB_CA" ]] || die "--hub-ca $HUB_CA is not readable"
  grep -q -- '-----BEGIN CERTIFICATE-----' "$HUB_CA" || die "--hub-ca $HUB_CA holds no PEM certificate"
fi
# The same shape as PUBLIC_IDENTITY_PATTERN in protocol/identity.ts.
[[ "$HUB_IDENTITY" =~ ^chasqui-id-1\.[a-z0-9][a-z0-9-]{0,62}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$ ]] || die "--hub-identity LINE is required: the hub's public keys, as \`chasqui hub identity\` prints them"
[[ -r "$PASSWORD_FILE" ]] || die "--hub-password-file FILE is required and must be readable"
[[ "$HTTP_PORT" =~ ^[0-9]+$ ]] || die "--http-port must be a number"
if [[ -z "$TARBALL" ]]; then
  TARBALL=$(find . -maxdepth 1 -name 'chasqui-*.tgz' | sort -V | tail -n 1)
  [[ -n "$TARBALL" ]] || die "no --tarball and no chasqui-*.tgz here (npm run build && npm pack)"
fi
[[ -f "$TARBALL" ]] || die "no such tarball: $TARBALL"
password=$(head -n 1 "$PASSWORD_FILE")
[[ -n "$password" ]] || die "$PASSWORD_FILE is empty"

STATE_DIR="${CHASQUI_STATE:-/var/lib/chasqui}"
config=$(mktemp); trap 'rm -f "$config"' EXIT
chmod 600 "$config"
http="\"port\": $HTTP_PORT"; [[ -z "$HTTP_HOST" ]] || http="\"host\": $(json_string "$HTTP_HOST"), $http"
ETC_DIR="${CHASQUI_ETC:-/etc/chasqui}"
ca=''; [[ -z "$HUB_CA" ]] || ca=", \"ca\": $(json_string "$ETC_DIR/hub-ca.pem")"
printf '{\n  "postId": %s,\n  "dataDir": %s,\n  "hub": { "url": %s%s, "password": %s, "identity": %s },\n  "http": { %s }\n}\n' \
  "$(json_string "$POST_ID")" "$(json_string "$STATE_DIR/post")" "$(json_string "$HUB_URL")" "$ca" "$(json_string "$password")" "$(json_string "$HUB_IDENTITY")" "$http" > "$config"

# shellcheck disable=SC2016
BODY='
tgz="$1"; cfg="$2"; hubca="${3:-}"; trap "rm -f \"$tgz\" \"$cfg\" ${hubca:+\"$hubca\"}" EXIT
node_major() { node -p "process.versions.node.split(\".\")[0]" 2>/dev/null || echo 0; }
say "1/6 Node.js"
if [ "$(node_major)" -ge 24 ]; then
  say "node $(node -v) already here"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  candidate=$(apt-cache policy nodejs | awk "/Candidate:/ {print \$2}"); candidate=${candidate#*:}
  if [ "${candidate%%.*}" -ge 24 ] 2>/dev/null; then
    say "nodejs $candidate from Debian"; apt-get install -y -q nodejs npm
  else
    # NodeSource manual install (github.com/nodesource/distributions): signed repo, node_24.x, includes npm.
    # Rewriting the list moves a post off node_20.x; apt-get install then upgrades nodejs in place.
    say "Debian offers nodejs ${candidate:-none} (< 24): adding NodeSource node_24.x"
    apt-get install -y -q ca-certificates curl gnupg
    install -d -m 0755 /etc/apt/keyrings
    curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
    echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_24.x nodistro main" > /etc/apt/sources.list.d/nodesource.list
    apt-get update -q && apt-get install -y -q nodejs
  fi
  [ "$(node_major)" -ge 24 ] || { echo "could not install Node.js 24" >&2; exit 1; }
fi
say "2/6 user $SVC_USER"
if ! id "$SVC_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
fi
if getent group dialout >/dev/null && [ "$SVC_USER" != root ]; then usermod -aG dialout "$SVC_USER"; fi
say "3/6 directories"
install -d -m 0755 "$PREFIX" "$PREFIX/releases"
install -d -m 0750 -o root -g "$SVC_USER" "$ETC"
install -d -m 0750 -o "$SVC_USER" -g "$SVC_USER" "$STATE"
say "4/6 release"
rc=0; v=$(install_release "$tgz") || rc=$?
if [ "$rc" = 2 ]; then v=$(basename "$(readlink "$PREFIX/current")"); elif [ "$rc" != 0 ]; then exit "$rc"; fi
switch_current "$PREFIX" "$PREFIX/releases/$v"
say "release $v is current"
say "5/6 configuration"
if [ -n "$hubca" ]; then
  install -m 0640 -o root -g "$SVC_USER" "$hubca" "$ETC/hub-ca.pem"
  say "hub certificate $ETC/hub-ca.pem: $(openssl x509 -in "$ETC/hub-ca.pem" -noout -fingerprint -sha256 2>/dev/null || echo "(openssl not here to print its fingerprint)")"
fi
install -m 0640 -o root -g "$SVC_USER" "$cfg" "$ETC/post.json"
as_service() { if [ "$SVC_USER" = root ]; then node "$PREFIX/current/bin/chasqui.js" "$@"; else runuser -u "$SVC_USER" -- node "$PREFIX/current/bin/chasqui.js" "$@"; fi; }
# The keys of this post, made on the box as the service user: the private half never leaves it.
keys=$(as_service post identity --config "$ETC/post.json")
line=$(printf "%s\n" "$keys" | head -n 1)
say "post keys, to record at the hub: chasqui hub post-identity $(printf "%s" "$line" | cut -d. -f2) $line"
say "  ($(printf "%s\n" "$keys" | tail -n 1); compare it with what the hub prints)"
# The certificate of the nurse app (HTTPS), made here for the names and addresses of the box; its
# fingerprint goes on the label of the box, for a nurse to compare with what her phone shows.
webcert=$(as_service post certificate --config "$ETC/post.json")
printf "%s\n" "$webcert" | while IFS= read -r l; do say "$l"; done
[ -e "$ETC/bridge.json" ] || { printf "{ \"ports\": [] }\n" > "$ETC/bridge.json"; chown "root:$SVC_USER" "$ETC/bridge.json"; chmod 0640 "$ETC/bridge.json"; }
say "6/6 services"
install -d -m 0755 "$UNIT_DIR"
install -m 0644 "$PREFIX/current/systemd/chasqui-post.service" "$PREFIX/current/systemd/chasqui-bridge.service" "$UNIT_DIR/"
url=$(post_healthz_url)
if [ -n "$RESTART_CMD" ]; then
  restart_units chasqui-bridge chasqui-post
elif has_systemd; then
  systemctl daemon-reload
  systemctl enable chasqui-bridge chasqui-post
  systemctl restart chasqui-bridge chasqui-post
else
  say "systemd is not PID 1 here, so nothing was started. Start it with:"
  say "  runuser -u $SVC_USER -- node $PREFIX/current/bin/chasqui.js post --config $ETC/post.json"
  exit 0
fi
if wait_healthz "$url" 60; then say "post is up: $url"; else echo "the post did not answer $url within 60 s: run scripts/post-health.sh" >&2; exit 1; fi
say ""
say "Next, add the nurses (on the post):"
say "  sudo runuser -u $SVC_USER -- node $PREFIX/current/bin/chasqui.js post nurse add rosa --name \"Rosa Huaman\" --config $ETC/post.json"
'
stamp="$$-$(date +%s)"
remote_tgz="/tmp/chasqui-release-$stamp.tgz" remote_cfg="/tmp/chasqui-post-$stamp.json"
log "provisioning ${CHASQUI_HOST:-this machine} as post $POST_ID with $(basename "$TARBALL")"
copy_to_post "$TARBALL" "$remote_tgz"
copy_to_post "$config" "$remote_cfg"
remote_ca=''
if [[ -n "$HUB_CA" ]]; then
  remote_ca="/tmp/chasqui-hub-ca-$stamp.pem"
  copy_to_post "$HUB_CA" "$remote_ca"
  log "hub certificate $(openssl x509 -in "$HUB_CA" -noout -fingerprint -sha256 2>/dev/null || basename "$HUB_CA")"
fi
run_remote_script "$(remote_env)$REMOTE_LIB$BODY" "$remote_tgz" "$remote_cfg" "$remote_ca"
log "done"
