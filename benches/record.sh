#!/usr/bin/env bash
# Replaces the block between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in
# BENCHMARKS.md with the contents of FILE, so each benchmark script records its
# latest run itself:  benches/record.sh NAME FILE
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1" file="$2"
begin="<!-- $name:begin -->" end="<!-- $name:end -->"
grep -qF "$begin" BENCHMARKS.md || { echo "BENCHMARKS.md has no $begin marker" >&2; exit 1; }
awk -v begin="$begin" -v end="$end" -v file="$file" '
  $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }
' BENCHMARKS.md > BENCHMARKS.md.tmp
mv BENCHMARKS.md.tmp BENCHMARKS.md
echo "recorded in BENCHMARKS.md ($name)"
