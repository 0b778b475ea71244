#!/usr/bin/env bash
# Benchmark: import a generated 100,000-event iCalendar file (a quarter recurring)
# into a fresh SQLite database, and parse the same file with the Hub and with
# Python's icalendar in the same run. Writes ops/bench/RESULTS.md (calendar part).
# usage: bash ops/bench/calendar_import.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
events="${1:-100000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The benchmark build (release without debug info), as partner_queries.sh uses.
cargo build --profile bench-release -q -p netzwerk-cli
hub=target/bench-release/netzwerk
python3 -m venv target/ical-venv
target/ical-venv/bin/pip install -q --disable-pip-version-check -r ops/ical-check/requirements.txt
target/ical-venv/bin/python ops/bench/gen_ics.py "$events" "$work/bench.ics" 2001
bytes=$(stat -c %s "$work/bench.ics")

now() { date +%s.%N; }
# Runs a command and prints the first line of its output, then its peak memory
# (maximum resident set size) in MiB on the last line.
peak() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, text=True).stdout
print(out.splitlines()[0] if out else "")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
}
export NETZWERK__DATABASE__URL="sqlite://$work/hub.db" NETZWERK__LOG__LEVEL=warn
"$hub" demo > /dev/null

hub_parse=$("$hub" calendar check "$work/bench.ics" | head -1)
hub_parse_s=$(echo "$hub_parse" | sed -E 's/.* in ([0-9.]+) s$/\1/')

py_parse_s=$(target/ical-venv/bin/python - "$work/bench.ics" <<'PY'
import sys, time, icalendar
data = open(sys.argv[1], "rb").read()
t = time.perf_counter()
cal = icalendar.Calendar.from_ical(data)
n = len(cal.walk("VEVENT"))
assert n > 0
print(f"{time.perf_counter() - t:.3f}")
PY
)

t0=$(now)
import_run=$(peak "$hub" calendar import --organisation kiezwerkstatt-spreebogen "$work/bench.ics")
t1=$(now)
import_out=$(echo "$import_run" | head -1)
import_mib=$(echo "$import_run" | tail -1)
index_out=$("$hub" calendar index | head -1)
import_s=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
t0=$(now)
reimport_out=$("$hub" calendar import --organisation kiezwerkstatt-spreebogen "$work/bench.ics" 2>/dev/null | head -1)
t1=$(now)
reimport_s=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
ratio=$(python3 -c "print(f'{$py_parse_s / $hub_parse_s:.1f}')")

# The same import into PostgreSQL (a database of its own on the local server).
pg="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS netzwerk_calbench" -c "CREATE DATABASE netzwerk_calbench"
NETZWERK__DATABASE__URL="$pg/netzwerk_calbench" "$hub" demo > /dev/null
t0=$(now)
pg_run=$(NETZWERK__DATABASE__URL="$pg/netzwerk_calbench" peak "$hub" calendar import --organisation kiezwerkstatt-spreebogen "$work/bench.ics")
t1=$(now)
pg_out=$(echo "$pg_run" | head -1)
pg_mib=$(echo "$pg_run" | tail -1)
pg_s=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS netzwerk_calbench"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "# Benchmark results"
  echo
  echo "## Calendar import (issue 3)"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) with \`bash ops/bench/calendar_import.sh $events\` on $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB;"
  echo "$(rustc --version), Python $(target/ical-venv/bin/python -c 'import sys; print(sys.version.split()[0])') with icalendar $(target/ical-venv/bin/python -c 'import icalendar; print(icalendar.__version__)')."
  echo "Input: $events events ($((bytes / 1024 / 1024)) MiB), a quarter weekly series (half with COUNT, half endless), each with an EXDATE, in Europe/Berlin (\`ops/bench/gen_ics.py\`, seed 2001)."
  echo
  echo "| measure | Hub | peer | ratio | target |"
  echo "|---|---|---|---|---|"
  echo "| parse the file | ${hub_parse_s} s | Python icalendar ${py_parse_s} s | ${ratio}x faster | at least 50x (issue 18; issue 3: 10x) |"
  echo "| import into SQLite: parse, normalise, store with the occurrence index (one transaction) | ${import_s} s, peak ${import_mib} MiB | – | – | under 3 s (issue 18; issue 3: 5 s) |"
  echo "| import again (all unchanged, nothing written) | ${reimport_s} s | – | – | – |"
  echo "| import into PostgreSQL 15 (the same, over TCP on loopback) | ${pg_s} s, peak ${pg_mib} MiB | – | – | reported (issue 18) |"
  echo
  echo "Hub output: \`$hub_parse\`; import: \`$import_out\`; again: \`$reimport_out\`; PostgreSQL: \`$pg_out\`; the occurrence index after it (31 days back, 400 ahead, the default horizon): \`$index_out\`."
} > "$work/calendar.md"
cat "$work/calendar.md"
if [ -f ops/bench/RESULTS.md ] && grep -q '^## ' ops/bench/RESULTS.md; then
  # Keep other sections, replace this one.
  python3 - "$work/calendar.md" <<'PY'
import re, sys
new = open(sys.argv[1]).read()
old = open("ops/bench/RESULTS.md").read()
section = new.split("\n", 2)[2]
if "## Calendar import (issue 3)" in old:
    # Up to the next section or the next generated block's marker, which stays.
    old = re.sub(r"## Calendar import \(issue 3\).*?(?=\n## |\n<!-- |\Z)", section.strip() + "\n", old, flags=re.S)
else:
    old = old.rstrip() + "\n\n" + section
open("ops/bench/RESULTS.md", "w").write(old)
PY
else
  cp "$work/calendar.md" ops/bench/RESULTS.md
fi
