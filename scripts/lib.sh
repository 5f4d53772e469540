# shellcheck shell=bash
# Shared by the field scripts (scripts/README.md): logging, argument checks, and running
# a bash script on the post either over ssh or, with --local, on this machine (tests,
# or an engineer already logged in on the box).

CHASQUI_HOST="${CHASQUI_HOST:-}"
CHASQUI_SSH_OPTS="${CHASQUI_SSH_OPTS:-}"
CHASQUI_LOCAL="${CHASQUI_LOCAL:-0}"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; }

# The ssh command as an array: word-splitting --ssh-opts is what the engineer expects
# ("-p 2222 -i ~/.ssh/posts"), so it is split here once, on purpose.
ssh_cmd() {
  local -a opts=()
  # shellcheck disable=SC2206
  [[ -n "$CHASQUI_SSH_OPTS" ]] && opts=($CHASQUI_SSH_OPTS)
  printf '%s\0' ssh -o BatchMode=yes "${opts[@]}" "$CHASQUI_HOST"
}

# Quotes each argument for the remote shell, which ssh hands one flat string.
quote_args() { local a out=''; for a in "$@"; do out+=" $(printf '%q' "$a")"; done; printf '%s' "$out"; }

# run_remote_script SCRIPT ARG... : runs SCRIPT with bash as root on the post; the script
# arrives on stdin so nothing of it shows in the remote process list.
run_remote_script() {
  local script="$1"; shift
  if [[ "$CHASQUI_LOCAL" == 1 ]]; then
    printf '%s\n' "$script" | bash -s -- "$@"
    return
  fi
  local -a ssh; mapfile -d '' -t ssh < <(ssh_cmd)
  local root_bash
  root_bash="if [ \"\$(id -u)\" = 0 ]; then exec bash -s --$(quote_args "$@"); else exec sudo -n bash -s --$(quote_args "$@"); fi"
  printf '%s\n' "$script" | "${ssh[@]}" "$root_bash"
}

# copy_to_post LOCAL_FILE REMOTE_PATH : readable only by the login user on the way (umask 077).
copy_to_post() {
  if [[ "$CHASQUI_LOCAL" == 1 ]]; then
    (umask 077 && cp "$1" "$2")
    return
  fi
  local -a ssh; mapfile -d '' -t ssh < <(ssh_cmd)
  "${ssh[@]}" "umask 077 && cat > $(printf '%q' "$2")" < "$1"
}

# copy_from_post REMOTE_PATH LOCAL_FILE
copy_from_post() {
  if [[ "$CHASQUI_LOCAL" == 1 ]]; then cp "$1" "$2"; return; fi
  local -a ssh; mapfile -d '' -t ssh < <(ssh_cmd)
  "${ssh[@]}" "cat $(printf '%q' "$1")" > "$2"
}

require_target() {
  [[ "$CHASQUI_LOCAL" == 1 || -n "$CHASQUI_HOST" ]] || die "--host USER@ADDRESS is required (or --local)"
}

# A JSON string literal; refuses control characters rather than guess at escaping them.
json_string() {
  local s="$1"
  [[ "$s" != *[[:cntrl:]]* ]] || die "value contains a control character"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

# Paths on the post; tests point them into a throwaway folder.
remote_env() {
  printf 'PREFIX=%q ETC=%q STATE=%q UNIT_DIR=%q SVC_USER=%q RESTART_CMD=%q\n' \
    "${CHASQUI_PREFIX:-/opt/chasqui}" "${CHASQUI_ETC:-/etc/chasqui}" "${CHASQUI_STATE:-/var/lib/chasqui}" \
    "${CHASQUI_UNIT_DIR:-/etc/systemd/system}" "${CHASQUI_USER:-chasqui}" "${CHASQUI_RESTART_CMD:-}"
}

# Remote-side helpers, prepended to every remote script.
# shellcheck disable=SC2016,SC2034
REMOTE_LIB='
set -euo pipefail
say() { printf "  %s\n" "$*" >&2; }
has_systemd() { [ -d /run/systemd/system ]; }
# GET a URL with node (always on the post; curl may not be). Prints the body; fails on non-2xx.
# Over HTTPS it trusts the web certificate of the post (post_web ca), as a phone that installed it does.
http_get() { NODE_EXTRA_CA_CERTS="$(post_web ca 2>/dev/null || true)" node -e "fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(async r=>{const t=await r.text();process.stdout.write(t);process.exit(r.ok?0:1)}).catch(()=>process.exit(1))" "$1"; }
# wait_healthz URL SECONDS: polls once a second.
wait_healthz() { local i; for ((i = 0; i < $2; i++)); do if http_get "$1" >/dev/null 2>&1; then return 0; fi; sleep 1; done; return 1; }
# Atomic switch: rename(2) over the old symlink, never a moment without `current`.
switch_current() { ln -sfn "$2" "$1/current.new" && mv -T "$1/current.new" "$1/current"; }
# restart_units UNIT...: CHASQUI_RESTART_CMD replaces systemctl where systemd is not PID 1 (tests).
# post_web url|ca: the post /healthz on this box at the port its config names (default 8080, node/config.ts),
# and when it serves HTTPS the certificate file it serves. The rule of lib/tls/web-tls.ts: http.tls.enabled,
# else HTTPS exactly when http.host is not loopback; the certificate http.tls.cert, else <dataDir>/tls/web-cert.pem.
post_web() {
  node -e "let c={};try{c=require(process.argv[1])}catch{}
    const h=c.http||{},t=h.tls||{},on=t.enabled??!/^(127[.]|localhost$|::1$)/i.test(h.host||\"127.0.0.1\");
    if(process.argv[2]===\"url\")console.log((on?\"https\":\"http\")+\"://127.0.0.1:\"+(h.port||8080)+\"/healthz\");
    else if(on)console.log(t.cert||require(\"path\").join(c.dataDir||\"data/post\",\"tls\",\"web-cert.pem\"))" "$ETC/post.json" "$1"
}
post_healthz_url() { post_web url; }
# install_release TARBALL: unpacks an `npm pack` tarball into releases/<version>, installs its
# production dependencies there, prints the version. Root owns it: the service can read, not rewrite, its code.
install_release() {
  local tmp v
  mkdir -p "$PREFIX/releases"
  tmp=$(mktemp -d "$PREFIX/releases/.unpack.XXXXXX")
  tar -xzf "$1" -C "$tmp" --strip-components=1
  v=$(node -p "require(process.argv[1]).version" "$tmp/package.json")
  case "$v" in *[!0-9A-Za-z.+-]*|"") rm -rf "$tmp"; echo "bad version in package.json: $v" >&2; return 1;; esac
  if [ "$(readlink "$PREFIX/current" 2>/dev/null || true)" = "$PREFIX/releases/$v" ]; then
    rm -rf "$tmp"; echo "$v is already the current release" >&2; return 2
  fi
  say "installing $v"
  # npm ci needs a lockfile; npm pack leaves package-lock.json out, npm-shrinkwrap.json in.
  if [ -d "$tmp/node_modules" ]; then
    # An offline release (dependencies built for this CPU on another box): no registry needed.
    say "dependencies bundled in the tarball: npm skipped"
  elif [ -f "$tmp/npm-shrinkwrap.json" ] || [ -f "$tmp/package-lock.json" ]; then
    (cd "$tmp" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2)
  else
    say "no lockfile in the tarball: npm install (versions may drift; ship npm-shrinkwrap.json)"
    (cd "$tmp" && npm install --omit=dev --no-audit --no-fund --no-package-lock --loglevel=error >&2)
  fi
  rm -rf "$PREFIX/releases/$v" && mv -T "$tmp" "$PREFIX/releases/$v"
  chmod 0755 "$PREFIX/releases/$v"
  echo "$v"
}
restart_units() { if [ -n "${RESTART_CMD:-}" ]; then bash -c "$RESTART_CMD"; elif has_systemd; then systemctl restart "$@"; else say "systemd is not running here: restart by hand: $*"; fi; }
'
