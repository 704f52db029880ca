#!/bin/sh
# Benchmarks of log, blame and stats on a generated 100k-commit repository
# (cached under $TMPDIR/tracevault-bench-inspect-<version>).
set -e
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
go build -o "$out/tracevault" ./cmd/tracevault
go run ./bench/inspect -bin "$out/tracevault" "$@"
rm -rf "$out"
