#!/usr/bin/env bash
# okra vs Hugo on the same synthetic company, at ~1k, 10k and 50k key results.
# Writes the results table into BENCHMARKS.md (the `compare` block, via
# benches/record.sh). One command reproduces it:
#
#   benches/compare.sh              # all sizes, 3 runs each
#   RUNS=5 SIZES="10k" benches/compare.sh
#
# Needs: hugo (Debian package `hugo`), GNU time (/usr/bin/time). Works in
# $BENCH_DIR (default /dev/shm/okra-bench: tmpfs, so the numbers measure the
# programs rather than this machine's disk; set BENCH_DIR to a disk folder to
# include it).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
SIZES="${SIZES:-1k 10k 50k}"
BENCH_DIR="${BENCH_DIR:-/dev/shm/okra-bench}"
AS_OF=2026-11-22
mkdir -p "$BENCH_DIR"

command -v hugo >/dev/null || { echo "needs hugo: apt-get install -y hugo" >&2; exit 2; }
cargo build --release --quiet --bin okra --example gen_corpus --example floor
OKRA=target/release/okra

# teams per size, with 2 fiscal years and 3 KRs per objective per quarter
# (36 KRs per team-year) and 5 updates per KR.
teams_for() { case "$1" in 1k) echo 14 ;; 10k) echo 140 ;; 50k) echo 700 ;; *) echo "$1" ;; esac; }

# Runs a command RUNS times; prints "median_seconds max_rss_mb".
measure() {
  local times=() rss=0 t r
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.txt" "$@" >/dev/null 2>&1
    read -r t r < "$BENCH_DIR/time.txt"
    times+=("$t")
    (( r > rss )) && rss=$r
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $((rss / 1024))"
}

rows=()
for size in $SIZES; do
  corpus="$BENCH_DIR/corpus-$size"
  teams=$(teams_for "$size")
  target/release/examples/gen_corpus --teams "$teams" --years 2 --out "$corpus" 2> "$BENCH_DIR/gen.txt"
  krs=$(grep -o '[0-9]* key results' "$BENCH_DIR/gen.txt" | cut -d' ' -f1)
  inputs=$(find "$corpus/content" -type f | wc -l)

  # okra: the whole site (pages, charts, exports), replacing the previous output.
  read -r okra_t okra_rss < <(measure "$OKRA" build --root "$corpus" --output "$BENCH_DIR/out-okra" --as-of "$AS_OF")
  files=$(find "$BENCH_DIR/out-okra" -type f | wc -l)
  bytes=$(du -sb "$BENCH_DIR/out-okra" | cut -f1)

  # Hugo: a minimal layout that renders every Markdown file to its own page.
  hugo_site="$BENCH_DIR/hugo-$size"
  rm -rf "$hugo_site"; mkdir -p "$hugo_site/layouts/_default"
  cat > "$hugo_site/hugo.toml" <<TOML
baseURL = "/"
contentDir = "$corpus/content"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT"]
[markup.goldmark.renderer]
unsafe = false
TOML
  echo '<!doctype html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>{{ .Content }}' > "$hugo_site/layouts/_default/single.html"
  echo '<!doctype html><title>{{ .Title }}</title>{{ .Content }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</ul>' > "$hugo_site/layouts/_default/list.html"
  # A fresh destination every run, as okra replaces its output every run.
  read -r hugo_t hugo_rss < <(measure bash -c "rm -rf '$BENCH_DIR/out-hugo' && hugo --quiet --source '$hugo_site' --destination '$BENCH_DIR/out-hugo'")
  hugo_files=$(find "$BENCH_DIR/out-hugo" -type f | wc -l)

  # The floor: read every input, write as many files and bytes as okra did.
  read -r floor_t _ < <(measure target/release/examples/floor "$corpus" "$BENCH_DIR/out-floor" "$files" "$bytes")

  ratio=$(awk -v a="$okra_t" -v b="$hugo_t" 'BEGIN {printf "%.2f", a / b}')
  vs_floor=$(awk -v a="$okra_t" -v b="$floor_t" 'BEGIN {printf "%.1f", a / b}')
  rows+=("| $size | $krs | $inputs | $okra_t s | $okra_rss MiB | $files ($((bytes / 1048576)) MiB) | $hugo_t s | $hugo_rss MiB | $hugo_files | $ratio | $floor_t s | $vs_floor× |")
  echo "${rows[-1]}"
done

{
  echo "### Latest \`benches/compare.sh\` run ($(date -u +%Y-%m-%d), $(nproc) cores, $BENCH_DIR, median of $RUNS runs)"
  echo
  echo "| size | KRs | input files | okra build | okra peak RSS | okra output files | Hugo | Hugo peak RSS | Hugo files | okra / Hugo | floor | okra / floor |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Reproduce: \`benches/compare.sh\` (sizes via \`SIZES\`, runs via \`RUNS\`, folder via \`BENCH_DIR\`)."
} > "$BENCH_DIR/table.md"
cat "$BENCH_DIR/table.md"
benches/record.sh compare "$BENCH_DIR/table.md"
