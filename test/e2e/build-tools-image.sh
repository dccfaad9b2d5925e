#!/usr/bin/env bash
# Build (or reuse) the end-to-end suite's "tools" image: the host's node and git (with every
# helper in `git --exec-path`, git-http-backend and git-remote-http(s) included), their
# libraries, the CA bundle, /bin/sh and the numeric user 10001. Agent and fake-upstream
# containers run from it. Offline: built with `docker import` from this machine's files.
# Content-cached: prints `cred-proxy-e2e-tools:<hash12>` as the last stdout line and skips the
# import when that tag exists. Arguments are passed on (e.g. --name, --print-hash).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../../sidecar/build-offline-base.sh" --tools "$@"
