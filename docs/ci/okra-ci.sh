#!/usr/bin/env bash
# The commands both CI recipes run (GitHub Actions and GitLab CI), in one place
# so that they are tested: tests/testsuite/authoring.rs and history.rs run this script.
#
#   OKRA_BASE_URL   absolute URL the site is published at (for the Atom feed)
#   OKRA_OUTPUT     output folder (default: public)
#   OKRA_STRICT     set to 1 to fail on warnings too (stale KRs, missing scoring)
#   OKRA_AS_OF      commit (default): as of the last commit's day, same bytes on every run;
#                   today: as of today (UTC), for the published site and the daily build,
#                   so that a quiet team turns stale on the site
#   OKRA_CHANGED_SINCE  a git revision (the pull request's base, e.g. origin/main): report
#                   only the warnings of files changed since it, and write `okra diff` of it
#   OKRA_DIFF       where the diff's Markdown goes (default: okra-diff.md)
#   OKRA_DIAGNOSTICS  where to write the JSON diagnostics (default: okra-diagnostics.json)
#   OKRA_WALL_PDF   where to write the wall PDF (default: okra-wall.pdf)
#   CHROMIUM        browser for the wall PDF (default: chromium); skipped if missing
set -euo pipefail

output="${OKRA_OUTPUT:-public}"

if [[ "${OKRA_AS_OF:-commit}" == today ]]; then
  # The start of today, UTC: every run of the day builds the same bytes.
  SOURCE_DATE_EPOCH="$(( $(date -u +%s) / 86400 * 86400 ))"
  export SOURCE_DATE_EPOCH
elif [[ -z "${SOURCE_DATE_EPOCH:-}" ]] && git rev-parse --git-dir >/dev/null 2>&1; then
  # Reproducible output: the site as of the commit's day, same bytes on every run.
  SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"
  export SOURCE_DATE_EPOCH
fi

changed=()
if [[ -n "${OKRA_CHANGED_SINCE:-}" ]]; then
  changed=(--changed-since "$OKRA_CHANGED_SINCE")
  # What the change does to the scores, as Markdown for a pull request comment.
  okra diff "$OKRA_CHANGED_SINCE" > "${OKRA_DIFF:-okra-diff.md}" || true
  echo "score changes: ${OKRA_DIFF:-okra-diff.md}"
fi

# Every error and warning, machine-readable, kept as an artifact; the human
# form goes to the log.
okra check --format json "${changed[@]}" > "${OKRA_DIAGNOSTICS:-okra-diagnostics.json}" || true
if [[ "${OKRA_STRICT:-0}" == 1 ]]; then
  okra check --strict "${changed[@]}"
else
  okra check "${changed[@]}"
fi

okra build --output "$output" ${OKRA_BASE_URL:+--base-url "$OKRA_BASE_URL"}

# The wall as a PDF, for the office printer.
browser="${CHROMIUM:-chromium}"
if command -v "$browser" >/dev/null 2>&1; then
  "$browser" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
    --print-to-pdf="${OKRA_WALL_PDF:-okra-wall.pdf}" "$output/wall/index.html" 2>/dev/null
  echo "wall: ${OKRA_WALL_PDF:-okra-wall.pdf}"
else
  echo "wall PDF skipped: $browser not found" >&2
fi
