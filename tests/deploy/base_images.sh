#!/usr/bin/env bash
# Makes the Dockerfile's base images from the Debian archive, since no image registry is
# reachable from the project's machines, and imports them into podman under the exact names the
# Dockerfile's FROM lines use (images of this machine's architecture: the Dockerfile's stages
# that use them run on the build platform, whatever the target):
#
#   bash tests/deploy/base_images.sh DOCKERFILE      (needs root, podman and mmdebstrap)
#
# Both are bookworm root file systems written by mmdebstrap, made as Docker Hub's Debian images
# are (debuerreotype): variant minbase, the same apt configuration (docker-clean: no package
# caches; gzip indexes; no translations), and for the -slim tag the same dpkg path-excludes (no
# documentation, man pages or locales). The archive is at a newer point release than the tag
# says: docs/deployment.md says so. An image already in podman's storage under the name is kept
# (the cache, keyed on the FROM name: remove it with `podman rmi` to make it again).
# Environment: CONTAINERS_CONF / CONTAINERS_STORAGE_CONF as tests/deploy/image_test.sh sets them.
set -euo pipefail

dockerfile="${1:?usage: base_images.sh DOCKERFILE}"
fail() { printf "base_images: FAIL: %b\n" "$*" >&2; exit 1; }

# The image names of the FROM lines (a --platform option skipped; scratch and the names of the
# file's own stages are no images).
mapfile -t stages < <(sed -n 's/^FROM[[:space:]].*[[:space:]][Aa][Ss][[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "${dockerfile}")
mapfile -t bases < <(sed -n 's/^FROM[[:space:]]\{1,\}\(--platform=[^[:space:]]*[[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
  "${dockerfile}" | grep -vxF -e scratch "${stages[@]/#/-e}" | sort -u)
[ "${#bases[@]}" -gt 0 ] || fail "no FROM line in ${dockerfile}"

tmp="$(mktemp -d -t accesslog-base.XXXXXX)"
trap 'rm -rf "${tmp}"' EXIT

# Docker Hub's Debian images' apt configuration (debuerreotype's "docker" files).
cat >"${tmp}/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
echo 'Acquire::GzipIndexes "true"; Acquire::CompressionTypes::Order:: "gz";' >"${tmp}/docker-gzip-indexes"
echo 'Acquire::Languages "none";' >"${tmp}/docker-no-languages"
echo 'Apt::AutoRemove::SuggestsImportant "false";' >"${tmp}/docker-autoremove-suggests"
# What the -slim tag leaves out (debuerreotype's slimify).
cat >"${tmp}/docker-slim" <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
CONF

for base in "${bases[@]}"; do
  case "${base}" in
    debian:12*|docker.io/library/debian:12*) ;;
    *) fail "FROM ${base}: this script makes Debian 12 bases only" ;;
  esac
  name="docker.io/library/${base#docker.io/library/}"
  if podman image exists "${name}"; then
    echo "base_images: ${name} is in podman's storage (cached)"
    continue
  fi
  # shellcheck disable=SC2016 # the hooks' "$1" is mmdebstrap's, expanded when it runs them
  hooks=(
    # merged /usr by symlinks, as debootstrap makes it, not by the usrmerge package (which would
    # bring perl and its modules into the image)
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    --customize-hook="copy-in ${tmp}/docker-clean ${tmp}/docker-gzip-indexes ${tmp}/docker-no-languages ${tmp}/docker-autoremove-suggests /etc/apt/apt.conf.d/"
    --customize-hook='rm -f "$1"/etc/machine-id "$1"/var/cache/apt/*.bin; rm -rf "$1"/var/lib/apt/lists/*'
  )
  slim=()
  if [[ "${base}" == *-slim ]]; then
    while read -r option; do slim+=(--dpkgopt="${option}"); done <"${tmp}/docker-slim"
    # shellcheck disable=SC2016
    hooks+=(--customize-hook="copy-in ${tmp}/docker-slim /etc/dpkg/dpkg.cfg.d/"
            # the files of the packages unpacked before dpkg read the excludes, as slimify does
            --customize-hook='cd "$1" && find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete && find usr/share/doc -mindepth 1 -type d -empty -delete && find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + && rm -rf usr/share/man/* usr/share/info/* usr/share/groff/* usr/share/lintian/* usr/share/linda/*')
  fi
  echo "base_images: making ${name} with mmdebstrap"
  start=${SECONDS}
  # The archive this machine's apt uses (deb.debian.org): bookworm, its updates and security.
  nice -n 10 mmdebstrap --quiet --variant=minbase --format=tar "${slim[@]}" "${hooks[@]}" \
    bookworm "${tmp}/rootfs.tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >"${tmp}/mmdebstrap.log" 2>&1 \
    || fail "mmdebstrap failed for ${name}:\n$(tail -30 "${tmp}/mmdebstrap.log")"
  [ -e "${tmp}/rootfs.tar" ] || fail "mmdebstrap wrote no ${tmp}/rootfs.tar"
  point="$(tar -xOf "${tmp}/rootfs.tar" ./etc/debian_version)"
  podman import --quiet \
    --change 'CMD ["bash"]' \
    --change "LABEL org.accesslog-test.base=mmdebstrap org.accesslog-test.debian_version=${point}" \
    "${tmp}/rootfs.tar" "${name}" >/dev/null || fail "podman import of ${name} failed"
  rm -f "${tmp}/rootfs.tar"
  echo "base_images: ${name} made from Debian ${point} in $((SECONDS - start)) s"
done
