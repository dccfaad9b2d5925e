#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine, for the end-to-end suite.
#
#   1. the tools the suite and the image scripts need (docker.io, git, openssl, python3-venv) are installed
#      from Debian's packages, each only when it is missing;
#   2. when `docker info` does not answer and no dockerd runs, dockerd is started in the
#      background (setsid, log in a temporary folder), with room for many bottles' networks (below);
#   3. we wait, bounded, until `docker info` answers.
#
# Idempotent: with everything present and the engine answering it only checks. Exit status 0
# means `docker info` answers; anything else is a failure with a message saying why.
#
# Environment:
#   DOCKER_ENGINE_WAIT_SECONDS  how long to wait for the engine (default 60)
#   DOCKER_ENGINE_LOG_DIR       where dockerd's log goes (default: a new folder under $TMPDIR or /tmp)
#   DOCKER_ENGINE_ADDRESS_POOL  the address pool dockerd takes new networks from
#                               (default base=172.20.0.0/14,size=24; empty: Docker's defaults)
#
# A bottle takes two networks, and Docker's default pools hold 31 (mostly /16s), so an engine with
# the defaults runs at most 15 bottles (docs/benchmarks.md, deploy time). The default here is 1,024
# networks of 256 addresses inside 172.20.0.0/14, a range Docker's own defaults already claim. It
# is only passed to a dockerd this script starts, and not when /etc/docker/daemon.json sets
# default-address-pools itself (dockerd refuses a setting given both ways).
set -euo pipefail

WAIT_SECONDS="${DOCKER_ENGINE_WAIT_SECONDS:-60}"
ADDRESS_POOL="${DOCKER_ENGINE_ADDRESS_POOL-base=172.20.0.0/14,size=24}"

log() { printf 'docker-engine: %s\n' "$*" >&2; }
die() { printf 'docker-engine: ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "root is needed to run: $*"
  fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get is not available; install by hand: $*"
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    as_root apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "installing: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 \
    || die "apt-get install $* failed"
}

# --- 1. packages -------------------------------------------------------------------------------
missing=()
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  missing+=(docker.io)
fi
command -v git >/dev/null 2>&1 || missing+=(git)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The Python example's end-to-end test makes a virtualenv; Debian ships venv separately.
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io"
command -v docker >/dev/null 2>&1 || die "the docker CLI is still missing after installing docker.io"

engine_answers() { docker info >/dev/null 2>&1; }

# A dockerd already running (maybe still starting): its pid file names a live process.
dockerd_running() {
  local pid
  if [ -r /var/run/docker.pid ]; then
    pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      return 0
    fi
  fi
  if command -v pgrep >/dev/null 2>&1 && pgrep -x dockerd >/dev/null 2>&1; then
    return 0
  fi
  return 1
}

if engine_answers; then
  log "engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

# --- 2. start dockerd unless one is already starting --------------------------------------------
LOG_FILE=""
if dockerd_running; then
  log "a dockerd process exists but does not answer yet; waiting for it"
else
  LOG_DIR="${DOCKER_ENGINE_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/cred-proxy-dockerd.XXXXXX")}"
  mkdir -p "$LOG_DIR"
  LOG_FILE="$LOG_DIR/dockerd.log"
  dockerd_args=()
  if [ -n "$ADDRESS_POOL" ] && ! grep -qs '"default-address-pools"' /etc/docker/daemon.json; then
    dockerd_args+=(--default-address-pool "$ADDRESS_POOL")
  fi
  log "starting dockerd ${dockerd_args[*]} (log: $LOG_FILE)"
  # setsid: dockerd gets its own session, so it outlives this script and the caller's job control.
  as_root setsid dockerd "${dockerd_args[@]}" >"$LOG_FILE" 2>&1 </dev/null &
fi

# --- 3. wait, bounded -------------------------------------------------------------------------
deadline=$(( $(date +%s) + WAIT_SECONDS ))
until engine_answers; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "the engine did not answer 'docker info' within ${WAIT_SECONDS}s"
    if [ -n "$LOG_FILE" ] && [ -f "$LOG_FILE" ]; then
      log "last lines of $LOG_FILE:"
      tail -n 30 "$LOG_FILE" >&2 || true
    fi
    docker info >&2 || true
    die "no Docker engine: the end-to-end suite cannot run"
  fi
  sleep 1
done
log "engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
