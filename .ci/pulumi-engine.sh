#!/usr/bin/env bash
# Provide a Pulumi engine that runs offline on this machine, built from Go modules.
#
#   bash .ci/pulumi-engine.sh          # progress on stderr; the LAST line of stdout is a folder
#   export PATH="$(bash .ci/pulumi-engine.sh | tail -n1):$PATH"
#
# What it does (engine/README.md says why each piece is the way it is):
#   1. When a `pulumi` on PATH already has the Docker resource plugin at the version that
#      package-lock.json pins for @pulumi/docker (and a Node.js language host), it prints that
#      pulumi's folder and stops: a normally installed Pulumi CLI needs nothing built.
#   2. Otherwise it builds, or reuses from a cache keyed by a content hash of the recipe
#      (versions from package-lock.json, the files in engine/, the Go version), into
#      ${PULUMI_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cred-proxy-engine}/<hash>/:
#        real/pulumi                    the CLI, github.com/pulumi/pulumi/pkg/v3 at the lock's
#                                       @pulumi/pulumi version (or the nearest the proxy serves)
#        real/pulumi-language-nodejs    the language hosts (engine/hosts/go.mod)
#        real/pulumi-language-python
#        real/pulumi-language-python-exec, real/pulumi-resource-pulumi-{nodejs,python}
#                                       scripts from the sdk/v3 module at the CLI's version
#        plugins/pulumi-resource-docker the Docker provider (engine/docker), at the lock's
#                                       @pulumi/docker version
#        bin/pulumi                     a wrapper that sets the offline variables and execs
#                                       real/pulumi (the CLI finds the hosts next to itself)
#   3. It installs the Docker plugin into PULUMI_HOME (default ~/.pulumi) with
#      `pulumi plugin install resource docker <version> --file ...` (no download), unless the
#      same binary is already installed there.
#   4. It prints bin/ as the last line of stdout.
#
# Idempotent; a warm run takes seconds, a cold build on 2 cores about 14 minutes (engine/README.md).
# `--cached-only`: never build; exit 3 when no cached build matches the recipe (the test suite
# uses this to find an engine built earlier without starting a ~14-minute build).
# Environment: PULUMI_ENGINE_CACHE (cache root), PULUMI_ENGINE_REBUILD=1 (ignore the cache),
# PULUMI_ENGINE_NO_REUSE=1 (do not reuse a pulumi found on PATH), PULUMI_HOME, GOFLAGS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENGINE="$ROOT/engine"
CACHED_ONLY=0
[ "${1:-}" = "--cached-only" ] && CACHED_ONLY=1
RECIPE_REV=1 # bump to invalidate every cache entry when the build steps below change

log() { printf 'pulumi-engine: %s\n' "$*" >&2; }
die() { printf 'pulumi-engine: ERROR: %s\n' "$*" >&2; exit 1; }

# Versions pinned by the project, read from package-lock.json.
lock_version() {
  node -e '
    const lock = require(process.argv[1]);
    const p = (lock.packages || {})["node_modules/" + process.argv[2]];
    if (!p || !p.version) { process.exit(1); }
    console.log(p.version);
  ' "$ROOT/package-lock.json" "$1" || die "package-lock.json has no $1"
}

command -v node >/dev/null 2>&1 || die "node is needed (to read package-lock.json)"
PULUMI_WANT="$(lock_version @pulumi/pulumi)"
DOCKER_VERSION="$(lock_version @pulumi/docker)"
PULUMI_HOME_DIR="${PULUMI_HOME:-$HOME/.pulumi}"
CACHE_ROOT="${PULUMI_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cred-proxy-engine}"

# --- 1. reuse a pulumi on PATH that already has the plugins -----------------------------------
has_docker_plugin() { # $1 = pulumi binary
  "$1" plugin ls --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      let l = []; try { l = JSON.parse(s) || []; } catch { process.exit(1); }
      process.exit(l.some(p => p.kind === "resource" && p.name === "docker" &&
        p.version === process.argv[1]) ? 0 : 1);
    });' "$DOCKER_VERSION"
}

existing="$(command -v pulumi 2>/dev/null || true)"
case "$existing" in
  "$CACHE_ROOT"/*) existing="" ;; # one of our own builds: the recipe hash below decides
esac
if [ "${PULUMI_ENGINE_NO_REUSE:-0}" != 1 ] && [ -n "$existing" ]; then
  dir="$(dirname "$existing")"
  if has_docker_plugin "$existing" &&
     { [ -x "$dir/pulumi-language-nodejs" ] || command -v pulumi-language-nodejs >/dev/null 2>&1; }; then
    log "reusing $existing ($("$existing" version 2>/dev/null || echo '?')): it has resource plugin docker $DOCKER_VERSION"
    echo "$dir"
    exit 0
  fi
  log "$existing has no docker $DOCKER_VERSION plugin (or no Node.js host): building our own"
fi

# --- 2. build or reuse from the cache ------------------------------------------------------------
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || die "go is needed to build the engine"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"

recipe_hash() {
  {
    echo "rev=$RECIPE_REV pulumi=$PULUMI_WANT docker=$DOCKER_VERSION"
    echo "go=$(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)"
    (cd "$ENGINE" && find . -type f ! -name README.md -print | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -c1-16
}

HASH="$(recipe_hash)"
OUT="$CACHE_ROOT/$HASH"
mkdir -p "$CACHE_ROOT"

export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false"
BUILD_TAGS="osusergo,grpcnotrace"

# The version of github.com/pulumi/pulumi/{pkg,sdk}/v3 to build: the lock's when the proxy
# serves both, else the nearest served (the highest below it, or the lowest above it).
served() { (cd "${TMPDIR:-/tmp}" && GOFLAGS= go mod download -json "$1@$2" >/dev/null 2>&1); }
resolve_pulumi_version() {
  local want="v$PULUMI_WANT" v
  if served github.com/pulumi/pulumi/pkg/v3 "$want" && served github.com/pulumi/pulumi/sdk/v3 "$want"; then
    echo "$want"; return
  fi
  log "the Go module proxy does not serve pkg/v3 and sdk/v3 at $want; looking for the nearest"
  for v in $( (cd "${TMPDIR:-/tmp}" && GOFLAGS= go list -m -versions github.com/pulumi/pulumi/pkg/v3) |
      tr ' ' '\n' | node -e '
        const key = v => v.slice(1).split(".").map(Number);
        const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
        const w = key(process.argv[1]);
        const vs = require("fs").readFileSync(0, "utf8").split("\n")
          .filter(v => /^v3\.\d+\.\d+$/.test(v));
        const below = vs.filter(v => cmp(key(v), w) < 0).sort((a, b) => cmp(key(b), key(a)));
        const above = vs.filter(v => cmp(key(v), w) > 0).sort((a, b) => cmp(key(a), key(b)));
        console.log([...below, ...above].join("\n"));' "$want"); do
    if served github.com/pulumi/pulumi/sdk/v3 "$v" && served github.com/pulumi/pulumi/pkg/v3 "$v"; then
      echo "$v"; return
    fi
  done
  die "the Go module proxy serves no usable github.com/pulumi/pulumi/pkg/v3"
}

build_engine() {
  local work="$1" t0 v
  t0=$(date +%s)
  rm -rf "$work"
  mkdir -p "$work/real" "$work/plugins" "$work/bin" "$work/src"
  cp -R "$ENGINE/." "$work/src/"

  v="$(resolve_pulumi_version)"
  log "CLI: github.com/pulumi/pulumi/pkg/v3@$v (package-lock.json has @pulumi/pulumi $PULUMI_WANT)"
  sed -i -E "s#^(\s*github.com/pulumi/pulumi/(pkg|sdk)/v3) v[0-9.]+\$#\1 $v#" "$work/src/cli/go.mod"
  (cd "$work/src/cli" && go build -trimpath -tags "$BUILD_TAGS" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" \
    -o "$work/real/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2
  log "CLI built ($(( $(date +%s) - t0 )) s so far)"

  # Scripts the release ships beside the binaries, from the sdk module at the CLI's version.
  local sdkdir
  sdkdir="$(cd "$work/src/cli" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  [ -n "$sdkdir" ] && [ -d "$sdkdir" ] || die "cannot find the sdk/v3 module directory"
  install -m 0755 "$sdkdir/python/cmd/pulumi-language-python-exec" "$work/real/"
  install -m 0755 "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$work/real/"
  install -m 0755 "$sdkdir/python/dist/pulumi-resource-pulumi-python" "$work/real/"

  local hostv
  hostv="$(sed -n -E 's#^require github.com/pulumi/pulumi/sdk/v3 (v[0-9.]+)$#\1#p' "$work/src/hosts/go.mod")"
  log "language hosts: github.com/pulumi/pulumi/sdk/v3@$hostv"
  (cd "$work/src/hosts" && go build -trimpath -tags "$BUILD_TAGS" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$hostv" \
    -o "$work/real/" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python) >&2
  log "language hosts built ($(( $(date +%s) - t0 )) s so far)"

  log "Docker provider $DOCKER_VERSION: bridge + upstream provider (engine/docker)"
  local d="$work/src/docker" gen="$work/src/docker/cmd/pulumi-resource-docker"
  echo '{}' >"$gen/schema.json"
  echo '{}' >"$gen/bridge-metadata.json"
  (cd "$d" && go build -trimpath -tags no_compose -ldflags "-s -w -X main.version=$DOCKER_VERSION" \
    -o "$work/src/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker) >&2
  log "schema generator built ($(( $(date +%s) - t0 )) s so far); generating schema.json"
  (cd "$d" && "$work/src/pulumi-tfgen-docker" schema --out "$gen" --skip-docs --skip-examples) >&2
  [ -s "$gen/schema.json" ] && [ "$(cat "$gen/schema.json")" != '{}' ] || die "tfgen wrote no schema.json"
  (cd "$d" && go build -trimpath -tags no_compose -ldflags "-s -w -X main.version=$DOCKER_VERSION" \
    -o "$work/plugins/pulumi-resource-docker" ./cmd/pulumi-resource-docker) >&2
  cp "$gen/schema.json" "$work/plugins/schema.json"
  rm -f "$work/src/pulumi-tfgen-docker" # 110 MB, needed only for the step above
  log "Docker provider built ($(( $(date +%s) - t0 )) s in all)"

  cat >"$work/bin/pulumi" <<EOF
#!/bin/sh
# Offline wrapper written by .ci/pulumi-engine.sh: no update check, no plugin downloads.
: "\${PULUMI_SKIP_UPDATE_CHECK:=true}"
: "\${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:=true}"
: "\${PULUMI_DISABLE_REGISTRY_RESOLVE:=true}"
export PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION PULUMI_DISABLE_REGISTRY_RESOLVE
exec "$OUT/real/pulumi" "\$@"
EOF
  chmod 0755 "$work/bin/pulumi"
  {
    echo "recipe=$HASH"
    echo "pulumi=$v (lock: $PULUMI_WANT)"
    echo "language-hosts=$hostv"
    echo "docker=$DOCKER_VERSION"
    echo "go=$(go env GOVERSION)"
    echo "build-seconds=$(( $(date +%s) - t0 ))"
  } >"$work/versions.txt"
}

if [ "${PULUMI_ENGINE_REBUILD:-0}" = 1 ] || [ ! -x "$OUT/bin/pulumi" ] || [ ! -f "$OUT/versions.txt" ]; then
  if [ "$CACHED_ONLY" = 1 ]; then log "no cached engine in $OUT (--cached-only)"; exit 3; fi
  exec 9>"$CACHE_ROOT/.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  if [ "${PULUMI_ENGINE_REBUILD:-0}" = 1 ] || [ ! -f "$OUT/versions.txt" ]; then
    log "building the engine into $OUT (cold: about 14 minutes on 2 cores)"
    rm -rf "$OUT"
    build_engine "$OUT.tmp"
    # The wrapper names $OUT, so move the finished tree there as a whole.
    mv "$OUT.tmp" "$OUT"
  fi
  exec 9>&-
else
  log "reusing the engine built in $OUT"
fi

# --- 3. install the Docker plugin where the CLI looks, without a download ----------------------
PULUMI="$OUT/bin/pulumi"
installed="$PULUMI_HOME_DIR/plugins/resource-docker-v$DOCKER_VERSION/pulumi-resource-docker"
if [ -f "$installed" ] && cmp -s "$installed" "$OUT/plugins/pulumi-resource-docker" && has_docker_plugin "$PULUMI"; then
  log "resource plugin docker $DOCKER_VERSION is installed in $PULUMI_HOME_DIR"
else
  log "installing resource plugin docker $DOCKER_VERSION into $PULUMI_HOME_DIR"
  "$PULUMI" plugin install resource docker "$DOCKER_VERSION" --reinstall \
    --file "$OUT/plugins/pulumi-resource-docker" >&2
  has_docker_plugin "$PULUMI" || die "pulumi plugin ls does not show docker $DOCKER_VERSION after install"
fi

log "$("$PULUMI" version) ready: put $OUT/bin first on PATH"
echo "$OUT/bin"
