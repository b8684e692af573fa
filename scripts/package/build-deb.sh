#!/usr/bin/env bash
# Builds aeg_<version>_amd64.deb from the native aeg (README "Install"; packaging/debian/ holds
# the maintainer scripts and metadata). Usage:
#   scripts/package/build-deb.sh [OUTPUT_DIR]        # default: out/
# AEG_PACKAGE_BINARY=/path/to/aeg packages an aeg already published with -r linux-x64 instead
# of publishing one (the tests pass the binary they already have).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."
. scripts/services/lib.sh

out_dir=$(readlink -f "${1:-out}")
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/aeg-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

binary=${AEG_PACKAGE_BINARY:-}
if [ -z "$binary" ]; then
  aeg_log "publishing the native aeg (dotnet publish -r linux-x64)"
  dotnet publish src/Aeg/Aeg.csproj -c Release -r linux-x64 -nodeReuse:false -o "$work/publish" >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log" >&2; aeg_die "dotnet publish failed"; }
  binary=$work/publish/aeg
fi
[ -x "$binary" ] || aeg_die "no executable aeg at $binary"
# The package holds one executable: it must not need SQLite (or anything but libc) beside it.
if ldd "$binary" | grep -q sqlite; then aeg_die "$binary loads SQLite from a library; publish the native aeg (SQLite linked in)"; fi

version=$("$binary" --version)
version=${version%%+*}
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
root=$work/root
doc=$root/usr/share/doc/aeg

install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/aeg" \
  "$doc/examples" "$root/usr/share/man/man1"
# strip: the debug symbols (a third of the file) are in aeg.dbg beside a published aeg, not in the package.
install -m 0755 "$binary" "$root/usr/bin/aeg"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/aeg"
install -m 0644 content/systemd/aeg.service "$root/lib/systemd/system/aeg.service"
"$binary" config example >"$doc/examples/aeg.yaml"
# The installed config reads the password from /etc/aeg/db-password (root:aeg 0640), which a
# service reads more safely than an environment variable (systemctl show prints those).
sed -E 's|^(  )passwordEnv: AEG_DB_PASSWORD\b.*$|\1passwordFile: /etc/aeg/db-password   # root:aeg 0640; write the password into it|' \
  "$doc/examples/aeg.yaml" >"$root/etc/aeg/aeg.yaml"
grep -q '^  passwordFile: /etc/aeg/db-password' "$root/etc/aeg/aeg.yaml" || aeg_die "the example config no longer has the passwordEnv line this script edits"
chmod 0644 "$doc/examples/aeg.yaml" "$root/etc/aeg/aeg.yaml"
install -m 0644 packaging/debian/copyright "$doc/copyright"
# A version without a Debian revision makes this a native package, whose changelog is changelog.gz.
sed -e "s|@VERSION@|$version|g" -e "s|@DATE@|$date|g" packaging/debian/changelog | gzip -9n >"$doc/changelog.gz"
sed -e "s|@VERSION@|$version|g" -e "s|@DATE_SHORT@|$(date -d "$date" +%Y-%m-%d)|g" packaging/debian/aeg.1 | gzip -9n >"$root/usr/share/man/man1/aeg.1.gz"
chmod 0644 "$doc/changelog.gz" "$root/usr/share/man/man1/aeg.1.gz"

install -m 0755 packaging/debian/postinst packaging/debian/postrm packaging/debian/prerm "$root/DEBIAN/"
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
# Depends: libc6 (the newest symbol version the binary uses), zlib1g (linked), libssl3 (loaded for
# TLS to MySQL and ticket systems), adduser (postinst).
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -1)
depends="libc6 (>= ${glibc#GLIBC_}), zlib1g, libssl3 | libssl3t64"
sed -e "s|@VERSION@|$version|" -e "s#@DEPENDS@#$depends#" \
  -e "s|@INSTALLED_SIZE@|$(du -sk --exclude=DEBIAN "$root" | cut -f1)|" packaging/debian/control.in >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/md5sums"

deb=$out_dir/aeg_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
aeg_log "built $deb ($(du -h "$deb" | cut -f1))"
