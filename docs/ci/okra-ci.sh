#!/usr/bin/env bash
# The commands both CI recipes run (GitHub Actions and GitLab CI), in one place
# so that they are tested: tests/testsuite/authoring.rs runs this script on the demo site.
#
#   OKRA_BASE_URL   absolute URL the site is published at (for the Atom feed)
#   OKRA_OUTPUT     output folder (default: public)
#   OKRA_STRICT     set to 1 to fail on warnings too (stale KRs, missing scoring)
#   OKRA_DIAGNOSTICS  where to write the JSON diagnostics (default: okra-diagnostics.json)
#   OKRA_WALL_PDF   where to write the wall PDF (default: okra-wall.pdf)
#   CHROMIUM        browser for the wall PDF (default: chromium); skipped if missing
set -euo pipefail

output="${OKRA_OUTPUT:-public}"

# Reproducible output: the site as of the commit's day, same bytes on every run.
if [[ -z "${SOURCE_DATE_EPOCH:-}" ]] && git rev-parse --git-dir >/dev/null 2>&1; then
  SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"
  export SOURCE_DATE_EPOCH
fi

# Every error and warning, machine-readable, kept as an artifact; the human
# form goes to the log.
okra check --format json > "${OKRA_DIAGNOSTICS:-okra-diagnostics.json}" || true
if [[ "${OKRA_STRICT:-0}" == 1 ]]; then
  okra check --strict
else
  okra check
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
