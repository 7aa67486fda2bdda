#!/usr/bin/env bash
# okra serve: time from saving a status update to its KR page being served with
# the change, on the synthetic company of benches/compare.sh (default ~10k KRs).
#
#   benches/serve.sh                    # 10k KRs, 10 edits
#   EDITS=20 SIZE=50k benches/serve.sh
#
# Each edit appends a unique line to one update file (as an editor's save does),
# then does what the open page does: waits for the live-reload event, fetches
# the page once, and checks that the line is on it (after the clock stops). The time includes the
# watcher's event, the debounce, the incremental rebuild, the event, and
# rendering the page on request. Edits are 2 s apart (the background check of
# all pages runs meanwhile, as it would while someone reads the page). Prints
# one line per edit, then the median and the worst, and the server's own
# rebuild times, and records them in BENCHMARKS.md (the `serve` block).
set -euo pipefail
cd "$(dirname "$0")/.."

EDITS="${EDITS:-10}"
SIZE="${SIZE:-10k}"
BENCH_DIR="${BENCH_DIR:-/dev/shm/okra-bench}"
PORT="${PORT:-18111}"
# Another okra binary to measure (e.g. an older build, for a before/after pair).
OKRA="${OKRA:-target/release/okra}"
AS_OF=2026-11-22
mkdir -p "$BENCH_DIR"

cargo build --release --quiet --bin okra --example gen_corpus
teams_for() { case "$1" in 1k) echo 14 ;; 10k) echo 140 ;; 50k) echo 700 ;; *) echo "$1" ;; esac; }
corpus="$BENCH_DIR/serve-$SIZE"
rm -rf "$corpus"
target/release/examples/gen_corpus --teams "$(teams_for "$SIZE")" --years 2 --out "$corpus" 2> "$BENCH_DIR/gen.txt"
krs=$(grep -o '[0-9]* key results' "$BENCH_DIR/gen.txt" | cut -d' ' -f1)

log="$BENCH_DIR/serve.log"
"$OKRA" serve --root "$corpus" --port "$PORT" --as-of "$AS_OF" 2> "$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
until grep -q "^serving http" "$log"; do
  kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
startup=$(grep -o '^built in [0-9]* ms' "$log" | grep -o '[0-9]*')
echo "$krs KRs; first build (load everything, no page rendered yet): $startup ms"
# Let the first background check finish, so the first edit is like the others.
until grep -q "^checked: " "$log"; do sleep 0.2; done
grep "^checked: " "$log"

# The newest update (dated on or before the as-of day, so it is shown) of one KR,
# and that KR's page.
update=$(find "$corpus/content" -path '*/kr*-q*/*.md' | sort \
  | awk -F/ -v d="$AS_OF" 'substr($NF, 1, 10) <= d' | tail -1)
kr_dir=$(dirname "$update")
url="http://127.0.0.1:$PORT/${kr_dir#"$corpus/content/"}/"
curl -sf "$url" > /dev/null || { echo "cannot fetch $url" >&2; exit 1; }

# The open page's event stream, read by bash itself (a blocking `read` on a
# pipe: the harness takes no CPU from the server while it waits).
exec 3< <(curl -sN "http://127.0.0.1:$PORT/__okra/events")
sleep 0.5

times=()
for i in $(seq "$EDITS"); do
  token="okra-serve-bench-$i-$RANDOM"
  # Forget what the stream said before this edit.
  while read -r -t 0.05 _ <&3; do :; done
  start=$(date +%s%N)
  printf '\nEdit %s.\n' "$token" >> "$update"
  while true; do
    read -r -t 30 line <&3 || { echo "edit $i: no reload within 30 s" >&2; tail "$log" >&2; exit 1; }
    [[ "$line" == "data: reload" ]] && break
  done
  curl -s "$url" > "$BENCH_DIR/serve-page.html"
  end=$(date +%s%N)
  grep -q "$token" "$BENCH_DIR/serve-page.html" || { echo "edit $i: reloaded page does not show the edit" >&2; exit 1; }
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "edit $i: $ms ms"
  sleep 2
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
worst=$(echo "$sorted" | tail -1)
rebuilds=$(grep -o '^rebuilt in [0-9]* ms' "$log" | grep -o '[0-9]*' | sort -n | tr '\n' ' ')
echo "save → fresh page: median $median ms, worst $worst ms over $EDITS edits ($krs KRs)"
echo "server-side rebuilds (ms): $rebuilds"
{
  echo "### Latest \`benches/serve.sh\` run ($(date -u +%Y-%m-%d), $(nproc) cores, $BENCH_DIR, $krs KRs, $EDITS edits)"
  echo
  echo "| save → reloaded page shows the edit, median | worst | server-side rebuilds (ms) |"
  echo "|---|---|---|"
  echo "| $median ms | $worst ms | $rebuilds|"
} > "$BENCH_DIR/serve-table.md"
benches/record.sh serve "$BENCH_DIR/serve-table.md"
