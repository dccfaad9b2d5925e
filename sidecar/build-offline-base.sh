#!/usr/bin/env bash
# Build a Node.js base image from this machine's own runtime, without any registry.
#
# For machines that cannot pull `node:<version>` (offline CI, air-gapped hosts). It copies the
# host's `node` binary, the shared libraries `ldd` lists for it (the dynamic loader included), the
# CA bundle, and a minimal /etc (passwd/group with root and the numeric non-root user 10001,
# nsswitch.conf), plus /tmp with mode 1777, into a staging folder, then
#     tar -C <staging> -c . | docker import - <name>:<hash12>
#
# The tag is a hash over the staged tree (paths, types, modes, owners, link targets and file
# contents) and the image settings, so the same host runtime always gives the same tag and a
# second run skips the import. The image reference is printed as the LAST line of stdout:
#     BASE_IMAGE="$(sidecar/build-offline-base.sh | tail -n 1)"
#     docker build --build-arg BASE_IMAGE="$BASE_IMAGE" -f sidecar/Dockerfile .
#
# Modes:
#   (default)   node runtime only                      -> cred-proxy-node-base:<hash12>   (~105 MB)
#   --tools     also git (with every helper in `git --exec-path`: git-http-backend,
#               git-remote-http(s), ...), its libraries, git's templates and /bin/sh (dash);
#               for end-to-end tests' agent and fake-upstream containers
#                                                      -> cred-proxy-e2e-tools:<hash12>
# Options:
#   --name NAME      repository name of the image (default depends on the mode)
#   --print-hash     compute and print the reference, do not import
#   -h, --help
# Environment:
#   NODE_BIN   node binary to copy (default: `command -v node`, symlinks resolved)
#
# The image's PATH is /usr/local/bin:/usr/bin:/bin; node is /usr/local/bin/node (as in the
# official node images) with /usr/bin/node linking to it. The default user stays root: the
# Dockerfile built on top chooses its USER (10001:10001 for the proxy).
set -euo pipefail

# Bump when the layout this script produces changes, so old tags are not reused.
LAYOUT_VERSION=1
PROXY_UID=10001
PROXY_GID=10001
PROXY_NAME=proxy
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

MODE=base
NAME=""
PRINT_ONLY=0

log() { printf 'build-offline-base: %s\n' "$*" >&2; }
die() { printf 'build-offline-base: ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --tools) MODE=tools ;;
    --name) [ $# -ge 2 ] || die "--name needs a value"; NAME="$2"; shift ;;
    --name=*) NAME="${1#--name=}" ;;
    --print-hash) PRINT_ONLY=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage; die "unknown argument: $1" ;;
  esac
  shift
done
if [ -z "$NAME" ]; then
  if [ "$MODE" = tools ]; then NAME=cred-proxy-e2e-tools; else NAME=cred-proxy-node-base; fi
fi

for tool in ldd tar sha256sum find sort readlink cp; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required"
done
if [ "$PRINT_ONLY" -eq 0 ]; then
  command -v docker >/dev/null 2>&1 || die "the docker CLI is required (see .ci/docker-engine.sh)"
fi

NODE_SRC="${NODE_BIN:-$(command -v node || true)}"
[ -n "$NODE_SRC" ] || die "no node on PATH (set NODE_BIN)"
NODE_SRC="$(readlink -f "$NODE_SRC")"
[ -x "$NODE_SRC" ] || die "node binary not executable: $NODE_SRC"
[ -r "$CA_BUNDLE" ] || die "CA bundle missing: $CA_BUNDLE (install ca-certificates)"

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/cred-proxy-base.XXXXXX")"
cleanup() { rm -rf "$STAGE"; }
trap cleanup EXIT

# Where a host file lands in the image: the same directory, with the directory's symlinks
# resolved (merged-/usr hosts: /lib/x86_64-linux-gnu/libc.so.6 -> /usr/lib/x86_64-linux-gnu/),
# under the name it was asked for (the soname, not the versioned file it points to).
image_path() {
  local src="$1"
  printf '%s/%s' "$(readlink -f "$(dirname "$src")")" "$(basename "$src")"
}

# copy_file SRC [DEST]: copy SRC (following symlinks) to DEST in the image, keeping its mode.
copy_file() {
  local src="$1" dest="${2:-}"
  [ -n "$dest" ] || dest="$(image_path "$src")"
  mkdir -p "$STAGE$(dirname "$dest")"
  cp -L --preserve=mode "$src" "$STAGE$dest"
}

is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# copy_libs FILE: every library `ldd FILE` resolves, and the dynamic loader.
copy_libs() {
  local file="$1" out lib
  if ! out="$(ldd "$file" 2>&1)"; then
    case "$out" in
      *"not a dynamic executable"*|*"statically linked"*) return 0 ;;
      *) die "ldd $file failed: $out" ;;
    esac
  fi
  if printf '%s\n' "$out" | grep -q 'not found'; then
    die "ldd $file: unresolved libraries:"$'\n'"$(printf '%s\n' "$out" | grep 'not found')"
  fi
  # "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
  while read -r lib; do
    [ -n "$lib" ] || continue
    [ -e "$STAGE$(image_path "$lib")" ] || copy_file "$lib"
  done < <(printf '%s\n' "$out" | sed -n -e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p' | sort -u)
}

# --- node --------------------------------------------------------------------------------------
log "node: $NODE_SRC ($("$NODE_SRC" --version))"
copy_file "$NODE_SRC" /usr/local/bin/node
mkdir -p "$STAGE/usr/bin"
ln -s ../local/bin/node "$STAGE/usr/bin/node"
copy_libs "$NODE_SRC"

# --- git and a shell (tools mode) --------------------------------------------------------------
if [ "$MODE" = tools ]; then
  GIT_SRC="$(command -v git || true)"
  [ -n "$GIT_SRC" ] || die "--tools needs git on this machine (apt-get install git)"
  GIT_EXEC_PATH="$(git --exec-path)"
  [ -x "$GIT_EXEC_PATH/git-http-backend" ] || die "git-http-backend missing in $GIT_EXEC_PATH"
  [ -x "$GIT_EXEC_PATH/git-remote-http" ] || die "git-remote-http missing in $GIT_EXEC_PATH"
  log "git: $GIT_SRC ($(git --version)), exec path $GIT_EXEC_PATH"
  copy_file "$GIT_SRC" /usr/bin/git
  copy_libs "$(readlink -f "$GIT_SRC")"
  # The exec path is compiled into git: keep it where it is, symlinks between helpers included.
  mkdir -p "$STAGE$(dirname "$GIT_EXEC_PATH")"
  cp -a "$GIT_EXEC_PATH" "$STAGE$(dirname "$GIT_EXEC_PATH")/"
  while IFS= read -r -d '' f; do
    if is_elf "$f"; then copy_libs "$f"; fi
  done < <(find "$GIT_EXEC_PATH" -type f -print0)
  if [ -d /usr/share/git-core/templates ]; then
    mkdir -p "$STAGE/usr/share/git-core"
    cp -a /usr/share/git-core/templates "$STAGE/usr/share/git-core/"
  fi
  # git runs some helpers, hooks and aliases through /bin/sh.
  SH_SRC="$(readlink -f "$(command -v dash || command -v sh)")"
  copy_file "$SH_SRC" /usr/bin/sh
  copy_libs "$SH_SRC"
fi

# --- merged-/usr links (/lib64 -> usr/lib64 keeps the ELF interpreter path valid) --------------
for top in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$top" ] && [ ! -e "$STAGE/$top" ]; then
    ln -s "$(readlink "/$top")" "$STAGE/$top"
  fi
done
# Every path ldd printed (the ELF interpreter written into the binaries included) must resolve
# inside the image.
while read -r lib; do
  [ -e "$STAGE$lib" ] || die "$lib does not resolve inside the staged image"
done < <(ldd "$NODE_SRC" | sed -n -e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p')

# --- CA bundle, /etc, /tmp, home ---------------------------------------------------------------
copy_file "$CA_BUNDLE" "$CA_BUNDLE"
chmod 0644 "$STAGE$CA_BUNDLE"
mkdir -p "$STAGE/etc" "$STAGE/tmp" "$STAGE/root" "$STAGE/home/$PROXY_NAME" "$STAGE/usr/sbin"
cat >"$STAGE/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
$PROXY_NAME:x:$PROXY_UID:$PROXY_GID:cred-proxy:/home/$PROXY_NAME:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$STAGE/etc/group" <<EOF
root:x:0:
$PROXY_NAME:x:$PROXY_GID:
nogroup:x:65534:
EOF
cat >"$STAGE/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
find "$STAGE" -type d -exec chmod 0755 {} +
chmod 0644 "$STAGE/etc/passwd" "$STAGE/etc/group" "$STAGE/etc/nsswitch.conf"
chmod 1777 "$STAGE/tmp"
chmod 0700 "$STAGE/root"

# Ownership: everything root, the proxy user's home its own. Without root we cannot chown:
# tar then records root for everything (the home stays root's; /tmp is still world-writable).
TAR_OWNER_ARGS=(--numeric-owner)
if [ "$(id -u)" -eq 0 ]; then
  chown -R 0:0 "$STAGE"
  chown "$PROXY_UID:$PROXY_GID" "$STAGE/home/$PROXY_NAME"
else
  log "not root: every file in the image will be owned by root (home of $PROXY_NAME included)"
  TAR_OWNER_ARGS+=(--owner=0 --group=0)
fi

IMPORT_CHANGES=(
  "ENV PATH=/usr/local/bin:/usr/bin:/bin"
  "WORKDIR /"
  "LABEL org.opencontainers.image.title=$NAME"
  "LABEL cred-proxy.offline-base.mode=$MODE"
  'CMD ["node"]'
)

# --- content hash ------------------------------------------------------------------------------
hash_tree() {
  {
    printf 'layout=%s mode=%s\n' "$LAYOUT_VERSION" "$MODE"
    printf 'change=%s\n' "${IMPORT_CHANGES[@]}"
    # type, mode, owner, path and link target of every entry (owners as tar will record them)
    (cd "$STAGE" && find . -printf '%y %m %U:%G %p -> %l\n' | LC_ALL=C sort)
    # content of every regular file
    (cd "$STAGE" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-12
}
HASH="$(hash_tree)"
REF="$NAME:$HASH"
SIZE="$(du -sh "$STAGE" | cut -f1)"

if [ "$PRINT_ONLY" -eq 1 ]; then
  log "staged $SIZE; not importing (--print-hash)"
  printf '%s\n' "$REF"
  exit 0
fi

if docker image inspect "$REF" >/dev/null 2>&1; then
  log "$REF already exists; skipping the import"
else
  log "importing $REF ($SIZE staged)"
  import_args=()
  for change in "${IMPORT_CHANGES[@]}"; do import_args+=(--change "$change"); done
  tar -C "$STAGE" "${TAR_OWNER_ARGS[@]}" -c . \
    | docker import "${import_args[@]}" --message "cred-proxy offline $MODE image" - "$REF" >&2 \
    || die "docker import failed"
  # Prove the image runs node before anyone builds on it.
  docker run --rm --network none --user "$PROXY_UID:$PROXY_GID" "$REF" node -e 'process.exit(process.getuid() === '"$PROXY_UID"' ? 0 : 1)' \
    || { docker image rm "$REF" >/dev/null 2>&1 || true; die "the imported image cannot run node as uid $PROXY_UID"; }
  if [ "$MODE" = tools ]; then
    docker run --rm --network none "$REF" git --version >&2 \
      || { docker image rm "$REF" >/dev/null 2>&1 || true; die "the imported tools image cannot run git"; }
  fi
fi
printf '%s\n' "$REF"
