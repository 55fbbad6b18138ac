#!/usr/bin/env bash
# Packs a built `sheaf` into its release archive: what the release workflow
# ships, and what the tests install (tests/release.rs), so both are the same.
#
#   scripts/package.sh TARGET BINARY OUTDIR   one archive for one target
#   scripts/package.sh sums OUTDIR            the checksum file for them all
#
# An archive is named sheaf-VERSION-TARGET.tar.gz (sheaf-VERSION-TARGET.zip
# for Windows) and holds, at its top, the binary (sheaf or sheaf.exe) and
# README.md. VERSION is Cargo.toml's. The checksum file, SHA256SUMS, has one
# `sha256sum` line per archive in OUTDIR; the workflow `sheaf init` writes
# pins the line of its runner's archive. `cargo binstall` finds the archives
# through [package.metadata.binstall] in Cargo.toml, which tests/release.rs
# checks against the names made here.
#
# Needs bash, tar, gzip, and sha256sum or shasum; for a zip, zip, 7z or
# python3. Runs on Linux, macOS and Git Bash on Windows.
set -euo pipefail

usage() {
  echo "usage: $0 TARGET BINARY OUTDIR | $0 sums OUTDIR" >&2
  exit 2
}

repo="$(cd "$(dirname "$0")/.." && pwd)"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$@"
  else
    shasum -a 256 "$@"
  fi
}

if [ "${1:-}" = sums ]; then
  [ $# -eq 2 ] || usage
  cd "$2"
  shopt -s nullglob
  archives=(sheaf-*.tar.gz sheaf-*.zip)
  if [ ${#archives[@]} -eq 0 ]; then
    echo "no sheaf-*.tar.gz or sheaf-*.zip in $2" >&2
    exit 1
  fi
  # Sorted by name, in the C locale, so the file is the same on every machine.
  printf '%s\n' "${archives[@]}" | LC_ALL=C sort | while read -r archive; do
    sha256 "$archive"
  done >SHA256SUMS.tmp
  mv SHA256SUMS.tmp SHA256SUMS
  cat SHA256SUMS
  exit 0
fi

[ $# -eq 3 ] || usage
target="$1"
binary="$2"
outdir="$3"

case "$target" in
  *-*-*) ;;
  *) echo "$target is not a target triple (e.g. x86_64-unknown-linux-musl)" >&2; exit 2 ;;
esac
if [ ! -f "$binary" ]; then
  echo "$binary: no such file (build sheaf for $target first)" >&2
  exit 1
fi

# The package's own version, from the [package] table of Cargo.toml.
version="$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml")"
if [ -z "$version" ]; then
  echo "no version in the [package] table of $repo/Cargo.toml" >&2
  exit 1
fi

case "$target" in
  *windows*) exe=sheaf.exe; suffix=.zip ;;
  *) exe=sheaf; suffix=.tar.gz ;;
esac
name="sheaf-$version-$target$suffix"

mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/$exe"
chmod 755 "$stage/$exe"
cp "$repo/README.md" "$stage/README.md"

rm -f "$outdir/$name"
(
  cd "$stage"
  case "$suffix" in
    .tar.gz)
      # No owner or group names from the build machine in the archive.
      if tar --version 2>/dev/null | grep -q GNU; then
        tar --owner=0 --group=0 --numeric-owner -czf "$outdir/$name" "$exe" README.md
      else
        tar --uid 0 --gid 0 -czf "$outdir/$name" "$exe" README.md
      fi
      ;;
    .zip)
      if command -v zip >/dev/null 2>&1; then
        zip -q -X "$outdir/$name" "$exe" README.md
      elif command -v 7z >/dev/null 2>&1; then
        7z a -tzip -bd "$outdir/$name" "$exe" README.md >/dev/null
      else
        python3 -m zipfile -c "$outdir/$name" "$exe" README.md
      fi
      ;;
  esac
)
echo "$outdir/$name"
