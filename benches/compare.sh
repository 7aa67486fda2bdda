#!/usr/bin/env bash
# okra vs Hugo on the same synthetic company, at ~1k, 10k and 50k key results,
# and okra against the I/O floor. Writes the results and the targets of the
# performance work (okra ≤ 1/3 of Hugo, ≤ 3× the floor, RSS, 50k scaling, and
# the `benches/serve.sh` latency when it has been recorded) into BENCHMARKS.md
# (the `compare` block, via benches/record.sh). One command reproduces it:
#
#   benches/compare.sh              # all sizes, 3 runs each
#   RUNS=5 SIZES="10k" benches/compare.sh
#
# The three programs run interleaved (okra, Hugo, floor, okra, Hugo, floor, …),
# and the 50k/10k scaling from okra builds of the two sizes made in turn,
# so a machine that slows down or speeds up during the run moves all three
# alike: the ratios are the stable numbers, the seconds are not. Each ratio is
# the median of the run-by-run ratios (okra against the Hugo and floor runs
# made next to it), not a ratio of two medians, so one slow moment does not
# land on one side only.
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

# Runs a command once; prints "seconds max_rss_mib".
once() {
  /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.txt" "$@" >/dev/null 2>&1
  local t r
  read -r t r < "$BENCH_DIR/time.txt"
  echo "$t $((r / 1024))"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max() { printf '%s\n' "$@" | sort -n | tail -1; }
ratio() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {printf f, a / b}'; }

rows=()
declare -A okra_time okra_mem
for size in $SIZES; do
  corpus="$BENCH_DIR/corpus-$size"
  teams=$(teams_for "$size")
  target/release/examples/gen_corpus --teams "$teams" --years 2 --out "$corpus" 2> "$BENCH_DIR/gen.txt"
  krs=$(grep -o '[0-9]* key results' "$BENCH_DIR/gen.txt" | cut -d' ' -f1)
  inputs=$(find "$corpus/content" -type f | wc -l)

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

  # One okra build first: the floor writes the same files (path and size).
  "$OKRA" build --root "$corpus" --output "$BENCH_DIR/out-okra" --as-of "$AS_OF" >/dev/null 2>&1
  manifest="$BENCH_DIR/manifest-$size.txt"
  (cd "$BENCH_DIR/out-okra" && find . -type f -printf '%P %s\n') > "$manifest"
  files=$(wc -l < "$manifest")
  bytes=$(awk '{s += $2} END {printf "%d\n", s}' "$manifest")

  # One unmeasured run of Hugo and of the floor too: the first of each after the
  # corpus is made ran up to 1.7x slower (okra's first run is the one above).
  once bash -c "rm -rf '$BENCH_DIR/out-hugo' && hugo --quiet --source '$hugo_site' --destination '$BENCH_DIR/out-hugo'" >/dev/null
  once target/release/examples/floor "$corpus" "$BENCH_DIR/out-floor" "$manifest" >/dev/null

  ot=() om=() ht=() hm=() ft=() rh=() rf=()
  for _ in $(seq "$RUNS"); do
    # okra: the whole site (pages, charts, exports), replacing the previous output.
    read -r t m < <(once "$OKRA" build --root "$corpus" --output "$BENCH_DIR/out-okra" --as-of "$AS_OF")
    ot+=("$t"); om+=("$m")
    # Hugo, into a fresh destination every run, as okra replaces its output.
    read -r t m < <(once bash -c "rm -rf '$BENCH_DIR/out-hugo' && hugo --quiet --source '$hugo_site' --destination '$BENCH_DIR/out-hugo'")
    ht+=("$t"); hm+=("$m")
    # The floor: read every input, write okra's files again (same paths and sizes).
    read -r t _ < <(once target/release/examples/floor "$corpus" "$BENCH_DIR/out-floor" "$manifest")
    ft+=("$t")
    rh+=("$(ratio "${ot[-1]}" "${ht[-1]}" %.3f)"); rf+=("$(ratio "${ot[-1]}" "$t" %.2f)")
    echo "  $size run ${#ot[@]}: okra ${ot[-1]} s, Hugo ${ht[-1]} s, floor $t s (okra/Hugo ${rh[-1]}, okra/floor ${rf[-1]})" >&2
  done
  okra_t=$(median "${ot[@]}"); okra_rss=$(max "${om[@]}")
  hugo_t=$(median "${ht[@]}"); hugo_rss=$(max "${hm[@]}")
  floor_t=$(median "${ft[@]}")
  hugo_files=$(find "$BENCH_DIR/out-hugo" -type f | wc -l)
  okra_time[$size]=$okra_t; okra_mem[$size]=$okra_rss
  okra_hugo=$(ratio "$(median "${rh[@]}")" 1 %.2f); okra_floor=$(ratio "$(median "${rf[@]}")" 1 %.2f)
  rows+=("| $size | $krs | $inputs | $okra_t s | $okra_rss MiB | $files ($((bytes / 1048576)) MiB) | $hugo_t s | $hugo_rss MiB | $hugo_files | $okra_hugo | $floor_t s | $okra_floor× |")
  echo "${rows[-1]}"
  if [ "$size" = 10k ]; then
    hugo_ratio=$okra_hugo; floor_ratio=$okra_floor
  fi
done

# Whether each target holds, for the sizes measured in this run.
holds() { awk -v a="$1" -v b="$2" 'BEGIN {print (a <= b) ? "holds" : "**misses**"}'; }
targets=()
if [ -n "${hugo_ratio:-}" ]; then
  targets+=("| okra / Hugo at 10k KRs | ≤ 0.33 | $hugo_ratio | $(holds "$hugo_ratio" 0.33) |")
  targets+=("| okra / floor at 10k KRs | ≤ 3× | $floor_ratio× | $(holds "$floor_ratio" 3) |")
  targets+=("| peak RSS at 10k KRs | < 500 MiB | ${okra_mem[10k]} MiB | $(holds "${okra_mem[10k]}" 499) |")
fi
if [ -n "${okra_time[50k]:-}" ] && [ -n "${okra_time[10k]:-}" ]; then
  # Scaling from okra runs made next to each other (10k, 50k, 10k, 50k, …):
  # the two sizes' medians above come from runs minutes apart, and this VM's
  # speed drifts by more than the margin within that time.
  # Each size replaces its own previous output, as in the runs above (a 10k
  # build replacing a 50k site would spend seconds deleting it). The outputs
  # above go first: tmpfs is memory.
  rm -rf "$BENCH_DIR/out-okra" "$BENCH_DIR/out-hugo" "$BENCH_DIR/out-floor"
  rs=()
  "$OKRA" build --root "$BENCH_DIR/corpus-10k" --output "$BENCH_DIR/out-okra-10k" --as-of "$AS_OF" >/dev/null 2>&1
  "$OKRA" build --root "$BENCH_DIR/corpus-50k" --output "$BENCH_DIR/out-okra-50k" --as-of "$AS_OF" >/dev/null 2>&1
  for _ in $(seq "$RUNS"); do
    read -r t10 _ < <(once "$OKRA" build --root "$BENCH_DIR/corpus-10k" --output "$BENCH_DIR/out-okra-10k" --as-of "$AS_OF")
    read -r t50 _ < <(once "$OKRA" build --root "$BENCH_DIR/corpus-50k" --output "$BENCH_DIR/out-okra-50k" --as-of "$AS_OF")
    rs+=("$(ratio "$t50" "$t10" %.3f)")
    echo "  scaling run ${#rs[@]}: 10k $t10 s, 50k $t50 s (${rs[-1]}×)" >&2
  done
  scale=$(ratio "$(median "${rs[@]}")" 1 %.2f)
  targets+=("| 50k time / 10k time (okra runs made in pairs) | ≤ 5.5× | $scale× | $(holds "$scale" 5.5) |")
  targets+=("| peak RSS at 50k KRs | < 2 GiB | ${okra_mem[50k]} MiB | $(holds "${okra_mem[50k]}" 2047) |")
fi
# The serve latency is measured by benches/serve.sh (a server and a browser's
# requests); its last recorded median is repeated here.
serve_ms=$(awk '/<!-- serve:begin -->/ {on=1} on && /^\| [0-9]+ ms/ {gsub(/[| ms]/, " "); print $1; exit}' BENCHMARKS.md || true)
if [ -n "$serve_ms" ]; then
  targets+=("| okra serve: save → reloaded page, 10k KRs (last \`benches/serve.sh\`) | < 300 ms | $serve_ms ms | $(holds "$serve_ms" 299) |")
fi

{
  echo "### Latest \`benches/compare.sh\` run ($(date -u +%Y-%m-%d), $(nproc) cores, $BENCH_DIR, median of $RUNS interleaved runs; each ratio the median of the run-by-run ratios)"
  echo
  echo "| size | KRs | input files | okra build | okra peak RSS | okra output files | Hugo | Hugo peak RSS | Hugo files | okra / Hugo | floor | okra / floor |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  if [ ${#targets[@]} -gt 0 ]; then
    echo
    echo "| target | goal | measured | |"
    echo "|---|---|---|---|"
    printf '%s\n' "${targets[@]}"
  fi
  echo
  echo "Reproduce: \`benches/compare.sh\` (sizes via \`SIZES\`, runs via \`RUNS\`, folder via \`BENCH_DIR\`)."
} > "$BENCH_DIR/table.md"
cat "$BENCH_DIR/table.md"
benches/record.sh compare "$BENCH_DIR/table.md"
