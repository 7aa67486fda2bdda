#!/usr/bin/env bash
# Writes the fuzzers' seed inputs into fuzz/seeds/<target>/ from the demo
# content and the test fixtures. Rerun after changing the content format.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/seeds
rm -rf "$out"; mkdir -p "$out/front_matter" "$out/period" "$out/site"

# front_matter: every content file of the demo and the fixtures, as is.
n=0
while IFS= read -r f; do
  n=$((n + 1)); cp "$f" "$out/front_matter/$(printf '%04d' "$n").md"
done < <(find content tests/testsuite/fixtures -name '*.md' -type f | sort)

# period: a first byte for the calendar (start month, naming), then the text.
i=0
for p in "FY24" "FY2024" "Q1 FY24" "FY24 Q4" "fy2026-q3" "q2fy25" "FY1900" "FY2999 Q4" "FY99" "Q5 FY24" "FY"; do
  for m in '\x00' '\x03' '\x86' '\x8b'; do
    i=$((i + 1)); printf "$m%s" "$p" > "$out/period/$i"
  done
done

# site: okra.toml, a team, then two objectives with one KR and one update each,
# separated by NUL bytes (see fuzz_targets/site.rs for the slots).
site() { # name, files...
  local name=$1; shift
  local first=1
  for f in "$@"; do
    if [ $first = 0 ]; then printf '\0'; fi
    first=0
    sed -e 's#fy24/company#fy24/beta#; s#fy24/reliability#fy24/alpha#' "$f"
  done > "$out/site/$name"
}
m=tests/testsuite/fixtures/valid/minimal
site minimal $m/okra.toml $m/content/teams/platform.md \
  $m/content/fy24/reliability/objective.md $m/content/fy24/reliability/uptime.md \
  $m/content/fy24/reliability/uptime/2024-01-15.md \
  $m/content/fy24/company/objective.md $m/content/fy24/reliability/launch.md \
  $m/content/fy24/reliability/launch/2024-02-16.md
# The same with the second objective private and then a draft.
for kind in 'privacy = "private"' 'draft = true'; do
  tmp=$(mktemp); sed "2i $kind" $m/content/fy24/company/objective.md > "$tmp"
  site "minimal-${kind%% *}" $m/okra.toml $m/content/teams/platform.md \
    $m/content/fy24/reliability/objective.md $m/content/fy24/reliability/uptime.md \
    $m/content/fy24/reliability/uptime/2024-01-15.md \
    "$tmp" $m/content/fy24/reliability/launch.md $m/content/fy24/reliability/launch/2024-02-16.md
  rm "$tmp"
done
# Demo content: rich Markdown bodies and every metric.
d=content/fy2026
site demo okra.toml content/teams/platform.md \
  $d/repeatable-enterprise/objective.md $d/repeatable-enterprise/enterprise-deals-q1.md \
  "$(ls $d/repeatable-enterprise/enterprise-deals-q1/*.md | head -1)" \
  $d/project-kestrel/objective.md $d/project-kestrel/kestrel-close-q4.md \
  "$(ls $d/project-kestrel/kestrel-close-q4/*.md | head -1)"
echo "seeds: $(ls $out/front_matter | wc -l) front_matter, $(ls $out/period | wc -l) period, $(ls $out/site | wc -l) site"
