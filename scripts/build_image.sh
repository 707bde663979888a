#!/usr/bin/env bash
# Build the metrics-build container image, also where no container registry is reachable.
#
#   scripts/build_image.sh [--tag TAG] [--base IMAGE] [--local-base-tag TAG] [--local-base] [--no-wheelhouse]
#                          [--extras LIST]
#
# 1. Base image: BASE (default python:3.11-slim) if the engine has it or can pull it; otherwise a local
#    Debian bookworm base (python3 + venv) built with debootstrap from the mirror apt is configured
#    with, and `docker import`ed as LOCAL_BASE_TAG. An existing image with that tag is reused.
# 2. Wheelhouse: the project and its dependencies as wheels built on the host (PyPI reachable there),
#    so the image build itself needs no network (`pip install --no-index`).
# 3. `docker build` of the Dockerfile on that base, then the image and base sizes are printed.
# --extras adds optional dependencies to the image, e.g. `--extras compare` (SciPy, for `[batch.baseline]`
# and `compare`; about 110 MB more) or `--extras compare,dask`; the default image has none.
#
# Environment (flags win): METRICS_BUILD_IMAGE (tag, default metrics-build:latest), BASE_IMAGE,
# LOCAL_BASE_TAG (default metrics-build-base:bookworm), PYTHON (host Python for the wheelhouse, default
# python3), DEBIAN_SUITE (default bookworm), DEBIAN_MIRROR (default: read from apt's sources).
# Exit codes: 0 built; 2 otherwise (bad usage, a missing prerequisite, a failed step), with a line saying
# which (and the end of the failed step's log).
set -euo pipefail

log() { printf 'build_image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }
secs() { date +%s; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tag=${METRICS_BUILD_IMAGE:-metrics-build:latest}
base=${BASE_IMAGE:-python:3.11-slim}
local_base_tag=${LOCAL_BASE_TAG:-metrics-build-base:bookworm}
python=${PYTHON:-python3}
suite=${DEBIAN_SUITE:-bookworm}
force_local_base=0
use_wheelhouse=1
extras=""

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --tag) [ $# -ge 2 ] || die "--tag needs a value"; tag=$2; shift 2 ;;
    --base) [ $# -ge 2 ] || die "--base needs a value"; base=$2; shift 2 ;;
    --local-base-tag) [ $# -ge 2 ] || die "--local-base-tag needs a value"; local_base_tag=$2; shift 2 ;;
    --local-base) force_local_base=1; shift ;;
    --no-wheelhouse) use_wheelhouse=0; shift ;;
    --extras) [ $# -ge 2 ] || die "--extras needs a value"; extras=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

command -v docker >/dev/null 2>&1 || die "the docker client is not installed"
docker info >/dev/null 2>&1 || die "no Docker engine answers (is the daemon running, may this user use it?)"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_local_base() {
  local target=$1 started rootfs mirror
  [ "$(id -u)" -eq 0 ] || die "building the local base image with debootstrap needs root; run as root, or make $base pullable, or pass --base with an image the engine has"
  if ! command -v debootstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing and apt-get is not available to install it"
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null \
      || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null; } \
      || die "could not install debootstrap with apt-get"
  fi
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    mirror=$DEBIAN_MIRROR
  else
    mirror=$("$python" "$repo/container/debian_mirror.py" --suite "$suite") \
      || die "no Debian mirror for $suite in apt's sources; set DEBIAN_MIRROR"
  fi
  started=$(secs)
  rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/metrics-build-rootfs.XXXXXX")
  # shellcheck disable=SC2064  # expand now: the trap must remove this run's directory
  trap "rm -rf '$rootfs'" EXIT
  log "debootstrap $suite from $mirror (minbase + python3, python3-venv)"
  if ! debootstrap --variant=minbase --include=python3,python3-venv "$suite" "$rootfs" "$mirror" \
      >"$rootfs.log" 2>&1; then
    tail -n 20 "$rootfs.log" >&2
    rm -f "$rootfs.log"
    die "debootstrap failed (last lines above)"
  fi
  rm -f "$rootfs.log"
  # Leaner base: no package caches or lists, docs, man pages or translations (copyright files stay).
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log \
    "$rootfs"/var/cache/debconf/*-old
  find "$rootfs"/usr/share/doc -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
  find "$rootfs"/usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true
  log "importing the root filesystem as $target"
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --message "debian $suite minbase + python3 (debootstrap from $mirror)" - "$target" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "local base $target built in $(( $(secs) - started ))s"
}

# --- 1. the base image -------------------------------------------------------------------------------
if [ "$force_local_base" -eq 1 ]; then
  base=$local_base_tag
elif have_image "$base"; then
  log "base $base: present"
elif docker pull -q "$base" >/dev/null 2>&1; then
  log "base $base: pulled"
else
  log "base $base: absent and cannot be pulled; using the local base $local_base_tag"
  base=$local_base_tag
fi
if [ "$base" = "$local_base_tag" ]; then
  if have_image "$local_base_tag"; then
    log "reusing local base $local_base_tag"
  else
    build_local_base "$local_base_tag"
  fi
fi

# --- 2. the wheelhouse -------------------------------------------------------------------------------
wheelhouse=$repo/container/wheelhouse
find "$wheelhouse" -maxdepth 1 -name '*.whl' -delete
if [ "$use_wheelhouse" -eq 1 ]; then
  command -v "$python" >/dev/null 2>&1 || die "no host Python ($python) to build the wheelhouse; set PYTHON or pass --no-wheelhouse"
  host_py=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  base_py=$(docker run --rm --entrypoint python3 "$base" -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
    || die "the base image $base has no python3"
  [ "$host_py" = "$base_py" ] \
    || die "host Python is $host_py but the base image has $base_py: set PYTHON to a python$base_py, or pass --no-wheelhouse (the build then needs PyPI)"
  started=$(secs)
  log "building the wheelhouse with $python ($host_py)"
  "$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$wheelhouse" "$repo${extras:+[$extras]}" \
    || die "building the wheelhouse failed (is PyPI reachable from this host?)"
  log "wheelhouse: $(find "$wheelhouse" -maxdepth 1 -name '*.whl' | wc -l) wheels in $(( $(secs) - started ))s"
fi

# --- 3. the image ------------------------------------------------------------------------------------
started=$(secs)
log "building $tag on $base"
revision=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
build_log=$(mktemp "${TMPDIR:-/tmp}/metrics-build-image.XXXXXX")
built=0
docker build --force-rm --tag "$tag" --file "$repo/Dockerfile" --build-arg "BASE_IMAGE=$base" --build-arg "EXTRAS=$extras" \
  --label "org.opencontainers.image.revision=$revision" "$repo" >"$build_log" 2>&1 && built=1
# The builder stage, and the image this tag named before, stay behind untagged: remove those (by
# their labels), nobody else's.
docker image prune --force --filter label=org.metrics-build.stage=builder >/dev/null
docker image prune --force --filter label=org.opencontainers.image.title=metrics-build >/dev/null
find "$wheelhouse" -maxdepth 1 -name '*.whl' -delete
if [ "$built" -ne 1 ]; then
  tail -n 30 "$build_log" >&2
  rm -f "$build_log"
  die "docker build failed (last lines above)"
fi
rm -f "$build_log"
image_size=$(docker image inspect --format '{{.Size}}' "$tag")
base_size=$(docker image inspect --format '{{.Size}}' "$base")
log "built $tag in $(( $(secs) - started ))s: $(( image_size / 1000000 )) MB, base $base $(( base_size / 1000000 )) MB, added $(( (image_size - base_size) / 1000000 )) MB"
echo "$tag"
