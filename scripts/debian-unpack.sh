#!/usr/bin/env bash
# Unpacks Debian 12 packages of any architecture, with every package they depend on, into a
# folder: the packages are unpacked, never installed (no maintainer script runs, so nothing of
# the target architecture is executed), and this machine's own packages are left untouched.
#
#   scripts/debian-unpack.sh --arch ARCH --into DIR [--slim] [--without-depends] PACKAGE...
#
# Two uses: the sysroot of the target's -dev packages that a cross build compiles and links
# against (scripts/install-deps.sh --cross=ARCH), and the runtime root file system of the image
# (the Dockerfile's rootfs stage), the way distroless images are made.
#
# How: apt-get with a private state (an empty dpkg status, the lists and the downloaded .debs
# in DIR/.apt, removed at the end) and APT::Architecture=ARCH resolves the packages' Depends
# and Pre-Depends from this machine's apt sources and downloads them; each one is unpacked with
# dpkg-deb into DIR, whose /bin, /sbin and /lib are symlinks into /usr first (merged /usr, as
# Debian 12 lays out a system). Each package's control fields and md5sums go to
# DIR/var/lib/dpkg/status.d/ (distroless's layout: image scanners read it there, and the image
# test finds which package owns a library). Absolute symlinks are made relative. --slim leaves out what Docker Hub's -slim images
# leave out (documentation but the copyright files, man and info pages, locales).
# --without-depends unpacks the packages named and nothing else: for data packages whose
# dependencies only serve their maintainer scripts (ca-certificates needs openssl and debconf to
# build its bundle; the caller builds it).
# Exit 0 done, 1 failed (the message says what), 2 usage.
set -euo pipefail

usage() {
  echo "usage: debian-unpack.sh --arch ARCH --into DIR [--slim] [--without-depends] PACKAGE..." >&2
  exit 2
}
fail() { printf "debian-unpack: FAIL: %b\n" "$*" >&2; exit 1; }
arch="" into="" slim=0 depends=1
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="${2:-}"; shift 2 || usage ;;
    --arch=*) arch="${1#--arch=}"; shift ;;
    --into) into="${2:-}"; shift 2 || usage ;;
    --into=*) into="${1#--into=}"; shift ;;
    --slim) slim=1; shift ;;
    --without-depends) depends=0; shift ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
done
{ [ -n "${arch}" ] && [ -n "${into}" ] && [ $# -gt 0 ]; } || usage

mkdir -p "${into}"
into="$(cd "${into}" && pwd)"
state="${into}/.apt"
rm -rf "${state}"
mkdir -p "${state}/lists/partial" "${state}/archives/partial"
: >"${state}/status"
apt_options=(
  -o "APT::Architecture=${arch}" -o "APT::Architectures::=${arch}"
  -o "Dir::State=${state}" -o "Dir::State::status=${state}/status"
  -o "Dir::Cache=${state}" -o "Dir::Cache::archives=${state}/archives"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
  -o "Debug::NoLocking=1" -o "Acquire::Languages=none"
  # Recommends are not dependencies: an image or a sysroot holds what is needed, no more.
  -o "APT::Install-Recommends=false"
)
apt-get "${apt_options[@]}" update -qq >"${state}/update.log" 2>&1 \
  || fail "apt-get update for ${arch}:\n$(tail -20 "${state}/update.log")"
if [ "${depends}" = 1 ]; then
  apt-get "${apt_options[@]}" install --download-only -y -qq "$@" >"${state}/install.log" 2>&1 \
    || fail "apt-get cannot resolve or download $* for ${arch}:\n$(tail -20 "${state}/install.log")"
else
  (cd "${state}/archives" && apt-get "${apt_options[@]}" download "$@") >"${state}/install.log" 2>&1 \
    || fail "apt-get cannot download $* for ${arch}:\n$(tail -20 "${state}/install.log")"
fi

# Merged /usr before anything is unpacked: tar keeps the symlinks (--keep-directory-symlink).
merged=(bin sbin lib)
[ "${arch}" != amd64 ] || merged+=(lib64)  # the x86-64 loader's path, /lib64/ld-linux-x86-64.so.2
for d in "${merged[@]}"; do
  mkdir -p "${into}/usr/${d}"
  [ -e "${into}/${d}" ] || ln -s "usr/${d}" "${into}/${d}"
done
excludes=()
if [ "${slim}" = 1 ]; then
  excludes=(--wildcards --exclude='./usr/share/man/*' --exclude='./usr/share/info/*'
            --exclude='./usr/share/locale/*' --exclude='./usr/share/lintian/*'
            --exclude='./usr/share/doc/*/[!c]*' --exclude='./usr/share/doc/*/c[!o]*')
fi
mkdir -p "${into}/var/lib/dpkg/status.d"
count=0
for deb in "${state}"/archives/*.deb; do
  [ -e "${deb}" ] || fail "apt-get downloaded nothing for $*"
  package="$(dpkg-deb --field "${deb}" Package)"
  dpkg-deb --fsys-tarfile "${deb}" \
    | tar -x --keep-directory-symlink --no-same-owner "${excludes[@]}" -C "${into}" \
    || fail "cannot unpack ${deb}"
  dpkg-deb --field "${deb}" >"${into}/var/lib/dpkg/status.d/${package}"
  dpkg-deb --info "${deb}" md5sums >"${into}/var/lib/dpkg/status.d/${package}.md5sums" 2>/dev/null \
    || rm -f "${into}/var/lib/dpkg/status.d/${package}.md5sums"
  count=$((count + 1))
done
# Absolute symlinks (libz.so -> /lib/.../libz.so.1.2.13) made relative, so that they resolve
# inside DIR when it is read from outside (a sysroot) as they do inside it (an image).
while IFS= read -r -d '' link; do
  target="$(readlink "${link}")"
  ln -sfn "$(realpath -m --relative-to="$(dirname "${link}")" "${into}${target}")" "${link}"
done < <(find "${into}" -path "${state}" -prune -o -type l -lname '/*' -print0)
rm -rf "${state}"
echo "debian-unpack: ${count} packages for ${arch} unpacked into ${into}" >&2
