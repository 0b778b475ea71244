#!/usr/bin/env bash
# A real browser against a real Hub: Debian's Chromium, driven by playwright-core,
# opens the example partner page (ops/examples/partner-page/) served from a second
# origin with a partner key bound to it, and checks the web component
# (/embed/netzwerk.js) in German and Arabic, where the page's requests go, axe-core,
# a key bound to another origin, the public pages /events/{id} and /services/{id} with
# their .ics files, /embed (a snippet copied from it into a blank page) and the web view
# of a sent newsletter issue (German and Arabic, 375 and 1200 px). Screenshots go to
# target/browser/.
#
# usage: bash ops/browser-test/run.sh PATH_TO_NETZWERK_BINARY
#
# Needs Node 20+, Python 3 and, unless chromium is installed already, root for
# apt-get (chromium, chromium-driver). Everything it starts listens on 127.0.0.1
# only and is stopped when it ends; every wait has a time-out.
set -euo pipefail

started=$(date +%s)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: bash ops/browser-test/run.sh PATH_TO_NETZWERK_BINARY (an executable file)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"

say() { printf '%s [%3ss] %s\n' "==" "$(($(date +%s) - started))" "$*"; }
die() { echo "FAIL  $*" >&2; exit 1; }

# ---- 1. install ---------------------------------------------------------------------
if ! command -v chromium >/dev/null 2>&1; then
  say "installing chromium and chromium-driver (apt-get)"
  [ "$(id -u)" -eq 0 ] || die "chromium is missing and installing it needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$(mktemp)"
  # fonts-dejavu-core: glyphs for Arabic (and everything else) in the screenshots.
  if ! { timeout 180 apt-get update && timeout 300 apt-get install -y chromium chromium-driver fonts-dejavu-core; } >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    die "apt-get could not install chromium chromium-driver (update 180 s, install 300 s at most)"
  fi
  rm -f "$apt_log"
fi
chromium_bin="$(command -v chromium)"
say "browser: $("$chromium_bin" --version 2>/dev/null || echo "$chromium_bin")"

say "npm ci (playwright-core, axe-core, ical.js as pinned in package-lock.json)"
timeout 180 npm ci --prefix "$here" --no-audit --no-fund --loglevel=error \
  || die "npm ci in ops/browser-test failed or took over 180 s"

# ---- 2. the Hub and the partner page ------------------------------------------------
work="$(mktemp -d)"
hub_pid=""
page_pid=""
cleanup() {
  status=$?
  for pid in $page_pid $hub_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $page_pid $hub_pid; do
    # at most 5 s for each to leave, then it is ended
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # the servers' logs beside the screenshots
  for log in hub.log page.log; do
    [ -f "$work/$log" ] && [ -d "$repo/target/browser" ] && cp "$work/$log" "$repo/target/browser/$log"
  done
  if [ "$status" -ne 0 ] && [ -f "$work/hub.log" ]; then
    echo "---- the last lines of the Hub's log ($work/hub.log) ----" >&2
    tail -n 25 "$work/hub.log" >&2 || true
  else
    rm -rf "$work"
  fi
  say "done in $(($(date +%s) - started)) s (exit $status)"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
# wait_for URL SECONDS PID: until URL answers 2xx, the process is gone, or time is up.
wait_for() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys, time, urllib.request
url, seconds, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"the process serving {url} has stopped")
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            if 200 <= r.status < 300:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.25)
sys.exit(f"{url} did not answer within {seconds:.0f} s")
PY
}

export NETZWERK__CALENDAR__POLL=false NETZWERK__FUNDING__POLL=false \
  NETZWERK__FUNDING__SEND_DIGESTS=false NETZWERK__MAIL__SEND=false \
  NETZWERK__SERVER__ANONYMOUS_RATE_LIMIT_PER_MINUTE=1000000
mkdir -p "$work/hub"
# `serve --demo` puts a fresh SQLite database at data/netzwerk.db of its working
# directory (the default database.url); named here so that `apikey add` finds it too.
export NETZWERK__DATABASE__URL="sqlite://$work/hub/data/netzwerk.db"

hub_port="$(free_port)"
hub="http://127.0.0.1:$hub_port"
# The address /embed writes into the snippets it gives partners.
export NETZWERK__MEETINGS__PUBLIC_URL="$hub"
say "starting the Hub (serve --demo) on $hub"
( cd "$work/hub" && exec "$bin" serve --demo --listen "127.0.0.1:$hub_port" ) >"$work/hub.log" 2>&1 &
hub_pid=$!
wait_for "$hub/healthz" 60 "$hub_pid" || die "the Hub did not start (log: $work/hub.log)"
grep -q "Netzwerk Hub listening on http://127.0.0.1:$hub_port/graphql" "$work/hub.log" \
  || die "the Hub answers /healthz but did not print 'Netzwerk Hub listening on $hub/graphql'"

page_port="$(free_port)"
while [ "$page_port" = "$hub_port" ]; do page_port="$(free_port)"; done
page_origin="http://127.0.0.1:$page_port"
other_origin="https://andere-partnerseite.example"

# new_key ORIGIN NAME: a partner key bound to ORIGIN (the line `nwk_…` of `apikey add`).
new_key() {
  local out
  out="$(cd "$work/hub" && timeout 30 "$bin" apikey add --name "$2" --origin "$1" 2>/dev/null)" \
    || die "netzwerk apikey add --origin $1 failed"
  printf '%s\n' "$out" | grep -m1 '^nwk_' || die "netzwerk apikey add printed no key line (nwk_…): $out"
}
good_key="$(new_key "$page_origin" "Browser-Test: Partnerseite")"
wrong_key="$(new_key "$other_origin" "Browser-Test: andere Seite")"
say "partner keys: one bound to $page_origin, one bound to $other_origin"

# The example page, its Hub address rewritten, its components given a key: index.html
# with the key of this origin, wrong-origin.html with the key of another.
cp -r "$repo/ops/examples/partner-page" "$work/site"
python3 - "$work/site" "$hub" "$good_key" "$wrong_key" <<'PY'
import pathlib, re, sys
site, hub, good, wrong = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
html = (site / "index.html").read_text(encoding="utf-8")
example = "http://127.0.0.1:8080"
if html.count(example) != 1 or f'src="{example}/embed/netzwerk.js"' not in html:
    sys.exit(f"FAIL  ops/examples/partner-page/index.html should name the Hub ({example}) once, in the script src")
html = html.replace(example, hub)
tags = re.compile(r"<(netzwerk-(?:events|services|organisations))\b")
if len(tags.findall(html)) < 4:
    sys.exit("FAIL  the example page should hold four components (events, services, and both again in Arabic)")
if "api-key=" in html:
    sys.exit("FAIL  the example page already sets api-key: the test would not know which key it uses")
for name, key in (("index.html", good), ("wrong-origin.html", wrong)):
    (site / name).write_text(tags.sub(lambda m: f'<{m.group(1)} api-key="{key}"', html), encoding="utf-8")
PY

# A blank page of the partner's origin, for the snippet copied from /embed.
printf '<!doctype html>\n<html lang="de"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Leer</title></head><body></body></html>\n' >"$work/site/blank.html"

say "serving the partner page on $page_origin (python3 -m http.server)"
python3 -m http.server "$page_port" --bind 127.0.0.1 --directory "$work/site" >"$work/page.log" 2>&1 &
page_pid=$!
wait_for "$page_origin/index.html" 20 "$page_pid" || die "the partner page's server did not start"

# ---- 3. the browser -------------------------------------------------------------------
mkdir -p "$repo/target/browser"
say "running ops/browser-test/test.mjs"
HUB="$hub" PAGE_ORIGIN="$page_origin" OTHER_ORIGIN="$other_origin" GOOD_KEY="$good_key" \
  CHROMIUM="$chromium_bin" OUT_DIR="$repo/target/browser" \
  timeout 240 node "$here/test.mjs" || die "the browser test failed (or took over 240 s)"
