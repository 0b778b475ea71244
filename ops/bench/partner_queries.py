"""The partner-website queries, the Hub against PostGraphile on the same database.

Called by partner_queries.sh once both servers run. It
1. checks that both answer A and B with the same services in the same order (and for
   B the same locations, languages, hours), and C with the same number of matches, the
   Hub's ranked page being among PostGraphile's matches, so the comparison is honest;
2. counts SQL statements per request: the Hub's `x-sql-statements` header, and for
   PostGraphile the queries its `postgraphile:postgres` debug log shows for one
   request on a separate debug instance;
3. drives both with wrk at fixed concurrency, alternating Hub and peer, three times per query;
4. samples the Hub's and the peer's peak memory (VmHWM) and writes the table into
   RESULTS.md between its partner-query markers.

Python standard library only.
"""

import datetime
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
QUERIES = os.path.join(HERE, "queries")


def request_body(side, name):
    with open(os.path.join(QUERIES, f"{side}-{name}.graphql"), encoding="utf-8") as f:
        query = f.read()
    with open(os.path.join(QUERIES, f"{side}-{name}.vars.json"), encoding="utf-8") as f:
        variables = json.load(f)
    if name == "D":
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        variables = {
            "from": now.isoformat(),
            "to": (now + datetime.timedelta(days=30)).isoformat(),
        }
    return json.dumps({"query": query, "variables": variables}).encode()


def post(url, body):
    req = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", "Accept": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as res:
        payload = json.loads(res.read())
        statements = res.headers.get("x-sql-statements")
    if payload.get("errors"):
        raise SystemExit(f"{url}: errors: {payload['errors']}")
    return payload["data"], statements


# --- equivalence -----------------------------------------------------------------

def hub_service(s):
    return {
        "id": s["id"],
        "name": s["name"],
        "organisation": s.get("organisation", {}).get("id"),
        "locations": [l["id"] for l in s.get("locations", {}).get("nodes", [])],
        "hours": [(h["weekday"], h["opens"], h["closes"]) for h in (s.get("schedule") or {}).get("openingHours", [])],
        "languages": [l["code"] for l in s.get("languages", [])],
    }


def minutes(t):
    h, m = t.split(":")[:2]
    return f"{int(h):02d}:{int(m):02d}"


def peer_service(s):
    locs = s.get("serviceLocations", {}).get("nodes", [])
    return {
        "id": s["id"],
        "name": s["name"],
        "organisation": s.get("organisation", {}).get("id"),
        "locations": [l["location"]["id"] if "location" in l else l["locationId"] for l in locs],
        "hours": [
            (h["weekday"], h["opens"], h["closes"]) for h in s.get("openingHours", {}).get("nodes", [])
        ],
        "languages": [l["language"] for l in s.get("serviceLanguages", {}).get("nodes", [])],
    }


def check_equivalence(hub, peer):
    out = {}
    for name in "ABC":
        h, _ = post(hub, request_body("hub", name))
        p, _ = post(peer, request_body("peer", name))
        if name == "B":
            ho, po = h["organisation"], p["organisationBySlug"]
            hs = [hub_service(s) for s in ho["services"]["nodes"]]
            ps = [peer_service(s) for s in po["services"]["nodes"]]
            hl = [l["id"] for l in ho["locations"]["nodes"]]
            pl = [l["id"] for l in po["locations"]["nodes"]]
            same = hl == pl
            count = len(hs)
        else:
            hs = [hub_service(s) for s in h["services"]["nodes"]]
            ps = [peer_service(s) for s in p["services"]["nodes"]]
            same = h["services"]["totalCount"] == p["services"]["totalCount"]
            count = len(hs)
        if name == "C":
            # The Hub ranks its matches, PostGraphile orders them by name: the same
            # number of matches, and the Hub's page is among PostGraphile's matches.
            if not same:
                raise SystemExit(
                    f"FAIL: query C: the Hub finds {h['services']['totalCount']} services, "
                    f"PostGraphile {p['services']['totalCount']}")
            member = json.loads(request_body("peer", "C"))
            member["query"] = member["query"].replace(
                "filter: { searchText: { includes: $term } }",
                "filter: { searchText: { includes: $term }, id: { in: $ids } }").replace(
                "($term: String!)", "($term: String!, $ids: [String!])")
            member["variables"]["ids"] = [s["id"] for s in hs]
            m, _ = post(peer, json.dumps(member).encode())
            found = {s["id"] for s in m["services"]["nodes"]}
            missing = [s for s in hs if s["id"] not in found]
            if missing or not hs:
                raise SystemExit(f"FAIL: query C: the Hub's {missing or 'empty page'} are not PostGraphile matches")
            out[name] = count
            print(f"ok: query C: the same {h['services']['totalCount']} matches on both; "
                  f"the Hub's first {count} (ranked) are among PostGraphile's")
            continue
        if name != "C":
            # Hours as the peer stores them are minutes past midnight; the Hub writes HH:MM.
            for s in ps:
                s["hours"] = [
                    (w, f"{o // 60:02d}:{o % 60:02d}" if isinstance(o, int) else minutes(o),
                     f"{c // 60:02d}:{c % 60:02d}" if isinstance(c, int) else minutes(c))
                    for (w, o, c) in s["hours"]
                ]
        fields = ("id", "name", "organisation") if name == "C" else ("id", "name", "organisation", "locations", "hours", "languages")
        hs_cmp = [{k: s[k] for k in fields} for s in hs]
        ps_cmp = [{k: s[k] for k in fields} for s in ps]
        if not same or hs_cmp != ps_cmp:
            for i, (a, b) in enumerate(zip(hs_cmp, ps_cmp)):
                if a != b:
                    print(f"  first difference in {name} at {i}:\n    hub  {a}\n    peer {b}")
                    break
            raise SystemExit(f"FAIL: query {name}: the Hub and PostGraphile answer differently")
        if count == 0:
            raise SystemExit(f"FAIL: query {name} found nothing; the comparison would be empty")
        out[name] = count
        print(f"ok: query {name}: the same {count} services in the same order on both")
    return out


# --- statements ------------------------------------------------------------------

def hub_statements(hub):
    out = {}
    for name in "ABCD":
        post(hub, request_body("hub", name))  # warm
        _, n = post(hub, request_body("hub", name))
        out[name] = int(n) if n is not None else None
    # Independent of page size: A with 10 and with 100 services.
    sizes = {}
    for first in (10, 100):
        body = json.loads(request_body("hub", "A"))
        body["query"] = body["query"].replace("first: 50", f"first: {first}")
        _, n = post(hub, json.dumps(body).encode())
        sizes[first] = int(n)
    return out, sizes


def peer_statements(peer_debug, log_path):
    out = {}
    for name in "ABC":
        post(peer_debug, request_body("peer", name))  # warm (first request prepares)
        time.sleep(0.5)
        before = count_debug(log_path)
        post(peer_debug, request_body("peer", name))
        time.sleep(0.5)
        out[name] = count_debug(log_path) - before
    return out


def count_debug(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if re.search(r"postgraphile:postgres\s", line) and "explain" not in line)


# --- load --------------------------------------------------------------------------

ROUNDS = 3


def wrk(url, body_path, seconds, connections):
    """POSTs the body in `body_path`, or GETs `url` as it is when that is None."""
    env = dict(os.environ, BODY=body_path or "")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", os.path.join(HERE, "post.lua"), url],
        capture_output=True, text=True, env=env, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"requests=(\d+) socket_errors=(\d+) non2xx=(\d+) p50=([\d.]+)ms p99=([\d.]+)ms", out)
    return {
        "rps": rps,
        "requests": int(m.group(1)),
        "errors": int(m.group(2)) + int(m.group(3)),
        "p50": float(m.group(4)),
        "p99": float(m.group(5)),
    }


def persisted_get(hub_url):
    """Registers query A by APQ (its text with its hash, once) and returns the URL of
    the persisted GET by hash; checks that it answers as the POST does, from the
    response cache."""
    body = json.loads(request_body("hub", "A"))
    sha = hashlib.sha256(body["query"].encode()).hexdigest()
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    first, _ = post(hub_url, json.dumps(dict(body, extensions=ext)).encode())
    url = hub_url + "?" + urllib.parse.urlencode(
        {"extensions": json.dumps(ext), "variables": json.dumps(body["variables"])})
    for _ in range(2):
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"})) as r:
            got, cache = json.load(r), r.headers.get("x-cache")
    assert "errors" not in got and got["data"] == first, "the persisted GET answers as the POST"
    assert cache == "HIT", f"the second GET comes from the response cache (x-cache: {cache})"
    return url


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def network_feed(hub, pid):
    """GETs /ical/network.ics once with curl: time to first byte and in total, its size
    and events, and the Hub's peak memory (VmHWM) before and after."""
    before = vm_hwm(pid)
    path = os.path.join(os.environ.get("BENCH_TMP", "/tmp"), "network.ics")
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "600", "-o", path, "-w", "%{http_code} %{time_starttransfer} %{time_total} %{size_download}",
         f"{hub}/ical/network.ics"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    status, first, total, size = out[0], float(out[1]), float(out[2]), int(out[3])
    assert status == "200", f"/ical/network.ics answered {status}"
    with open(path, "rb") as f:
        text = f.read()
    assert text.endswith(b"END:VCALENDAR\r\n"), "the feed is complete"
    vevents = text.count(b"BEGIN:VEVENT")
    changed = text.count(b"RECURRENCE-ID")
    os.remove(path)
    return {"first": first, "total": total, "mb": size / 1e6, "events": vevents - changed,
            "changed": changed, "before": before, "after": vm_hwm(pid)}


def main():
    hub, peer, peer_debug, debug_log, hub_pid, peer_pid, seconds, conc, sizes_text = sys.argv[1:10]
    seconds, conc = int(seconds), int(conc)
    hub_url, peer_url, debug_url = f"{hub}/graphql", f"{peer}/graphql", f"{peer_debug}/graphql"
    counts = check_equivalence(hub_url, peer_url)
    hub_st, page_sizes = hub_statements(hub_url)
    peer_st = peer_statements(debug_url, debug_log)
    print(f"statements per request: Hub {hub_st} (A with 10/100 services: {page_sizes}), PostGraphile {peer_st}")

    bodies = {}
    tmp = os.environ.get("BENCH_TMP", "/tmp")
    for side in ("hub", "peer"):
        for name in "ABCD":
            if side == "peer" and name == "D":
                continue
            path = os.path.join(tmp, f"{side}-{name}.json")
            with open(path, "wb") as f:
                f.write(request_body(side, name))
            bodies[(side, name)] = path

    # Warm-up: one unmeasured 2-second run per query and server, so that neither side
    # is measured while PostgreSQL's cache or its own first requests are cold.
    for (side, name), path in bodies.items():
        wrk(hub_url if side == "hub" else peer_url, path, 2, conc)

    runs = {}
    for name in "ABC":
        for rnd in range(ROUNDS):
            # Who goes first alternates, so a drift of the machine's speed (it is a
            # shared virtual machine) does not favour one side.
            order = (("hub", hub_url), ("peer", peer_url))
            for side, url in order if rnd % 2 == 0 else order[::-1]:
                r = wrk(url, bodies[(side, name)], seconds, conc)
                runs.setdefault((side, name), []).append(r)
                print(f"{name} round {rnd + 1} {side}: {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, errors {r['errors']}")
    # A again, as a partner page's component sends it: a persisted GET by hash,
    # answered from the response cache (PostGraphile's figure is its A above).
    cached_url = persisted_get(hub_url)
    wrk(cached_url, None, 2, conc)
    for rnd in range(ROUNDS):
        r = wrk(cached_url, None, seconds, conc)
        runs.setdefault(("hub", "A cached"), []).append(r)
        print(f"A cached round {rnd + 1} hub: {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, errors {r['errors']}")
    for rnd in range(ROUNDS):
        r = wrk(hub_url, bodies[("hub", "D")], seconds, conc)
        runs.setdefault(("hub", "D"), []).append(r)
        print(f"D round {rnd + 1} hub: {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, errors {r['errors']}")

    feed = network_feed(hub, hub_pid)
    print(f"network.ics: {feed}")
    hub_rss, peer_rss = vm_hwm(hub_pid), vm_hwm(peer_pid)

    def d_target():
        d = best("hub", "D")
        if d["rps"] >= 1000 and d["p99"] < 50 and d["errors"] == 0:
            return f"met ({d['rps']:.0f} req/s, p99 {d['p99']:.1f} ms)"
        return f"NOT met ({d['rps']:.0f} req/s, p99 {d['p99']:.1f} ms)"

    def best(side, name):
        rs = runs[(side, name)]
        return {
            "rps": statistics.median(r["rps"] for r in rs),
            "p50": max(r["p50"] for r in rs),
            "p99": max(r["p99"] for r in rs),
            "errors": sum(r["errors"] for r in rs),
            "requests": sum(r["requests"] for r in rs),
        }

    rows = []
    labels = {
        "A": f"A partner page: 50 services by language and locality ({counts['A']} returned)",
        "B": f"B organisation profile by slug ({counts['B']} services)",
        "C": f"C text search `beratung`, first 20 ({counts['C']} returned)",
        "A cached": "A as a persisted GET by hash, response cache on (peer: its A)",
        "D": "D `eventOccurrences`, next 30 days, first 50 (Hub only)",
    }
    for name in ["A", "B", "C", "A cached", "D"]:
        h = best("hub", name)
        p = best("peer", name[0]) if name != "D" else None
        ratio = f"{h['rps'] / p['rps']:.1f}x" if p else "–"
        rows.append(
            f"| {labels[name]} | {h['rps']:.0f} | {p['rps']:.0f} | {ratio} | {h['p50']:.2f} / {h['p99']:.2f} | "
            f"{p['p50']:.2f} / {p['p99']:.2f} | {h['errors']} / {p['errors']} | {hub_st.get(name, 0)} | {peer_st[name[0]]} |"
            if p else
            f"| {labels[name]} | {h['rps']:.0f} | – | – | {h['p50']:.2f} / {h['p99']:.2f} | – | {h['errors']} / – | {hub_st[name]} | – |"
        )

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001 — a missing tool is reported, not fatal
            return "unknown"

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem_gb = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024

    def speed_target(name):
        h, p = best("hub", name), best("peer", name)
        misses = []
        if h["rps"] < 3 * p["rps"]:
            misses.append(f"{h['rps'] / p['rps']:.2f}x")
        if h["p99"] >= 10:
            misses.append(f"p99 {h['p99']:.1f} ms")
        return f"{name} met" if not misses else f"{name} NOT met ({', '.join(misses)})"

    def search_target():
        h, p = best("hub", "C"), best("peer", "C")
        ratio = h["rps"] / p["rps"]
        return f"{'met' if ratio >= 3 else 'NOT met'} ({ratio:.1f}x)"

    def cached_target():
        h, p = best("hub", "A cached"), best("peer", "A")
        ratio = h["rps"] / p["rps"]
        ok = ratio >= 20 and h["p99"] < 10
        return f"{'met' if ok else 'NOT met'} ({ratio:.1f}x, p99 {h['p99']:.2f} ms)"

    section = f"""<!-- partner-queries:start -->
## Partner-website queries: the Hub against PostGraphile (issue 6)

Run: `bash ops/bench/partner_queries.sh` on {datetime.date.today().isoformat()}.
Machine: {os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GiB; {platform.platform()}.
Versions: {version([os.environ.get('HUB_BIN', 'target/release/netzwerk'), '--version'])}, {version(['rustc', '--version'])};
PostGraphile 4.14.1 with postgraphile-plugin-connection-filter 2.3.0 and
pg-simplify-inflector 6.1.0 on Node {version(['node', '--version'])};
{version(['psql', '--version'])}; wrk {version(['sh', '-c', 'wrk -v 2>&1 | head -1'])}.
Data: {sizes_text}.
Both servers reach PostgreSQL over TCP on loopback without TLS (`sslmode=disable`).
Load: wrk, 2 threads, {conc} connections, after a 2-second warm-up per query and server,
{seconds} s per run, {ROUNDS} runs per query and server, Hub and PostGraphile
alternating (who goes first alternates too); req/s is the median of the runs,
latencies the worst of them. Run-to-run spread on this shared machine is about
±20 %. Rows A–D are the cache-off figures: plain POSTs, which the response cache
never answers. "A cached" is query A as the web component sends it, a persisted GET
by hash answered from the response cache (its SQL statements: 0); its peer figures
are PostGraphile's A.
Before the runs the script checks that both servers answer A and B with the same
services in the same order (B: also the same locations, hours and languages), and C
with the same number of matches, the Hub's first 20 (ranked by relevance; PostGraphile
orders by name) being among PostGraphile's matches.

| Query | Hub req/s | PostGraphile req/s | Hub / peer | Hub p50 / p99 ms | Peer p50 / p99 ms | Errors Hub / peer | SQL statements Hub | SQL statements peer |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Statements per request for A with 10 and 100 services: {page_sizes[10]} and {page_sizes[100]}
(independent of page size). Peak memory (VmHWM): Hub {hub_rss:.0f} MB, PostGraphile
{peer_rss:.0f} MB.

Cached target (issue 15): A cached at least 20x PostGraphile's A with p99 under
10 ms at concurrency 8 — {cached_target()}.

Targets: A–C at least 3x PostGraphile's throughput with p99 under 10 ms at
concurrency 8 — {'; '.join(speed_target(n) for n in 'ABC')}; at most 6
statements for A — {'met' if hub_st['A'] is not None and hub_st['A'] <= 6 else 'NOT met'}; Hub
peak RSS under 150 MB — {'met' if hub_rss and hub_rss < 150 else 'NOT met'}.

Search target (issue 18): C at least 3x PostGraphile with the response cache off —
{search_target()}. C ranks its {counts['C']} first matches by relevance: the words
of `beratung` are met in the search index (one statement), the matches ranked from
the postings this replica keeps in memory, and the page read with its organisations;
PostGraphile filters the folded text by substring and orders by name. The quality
set (tests/fixtures/search/quality.json) checks what the ranking puts first.

Occurrence target (issue 18): D at least 1,000 req/s with p99 under 50 ms at
concurrency 8, with an exact `totalCount` and the response cache off — {d_target()}.
D reads the occurrence index (31 days back, 400 ahead); its statements: the
running and starting occurrences (one `UNION ALL`), the total with the horizon
check, the page's events, their links, their organisers.

Feed (issue 18): `/ical/network.ics` over all {feed['events']} events (and
{feed['changed']} changed occurrences; {feed['mb']:.0f} MB), fetched once with curl
after the runs above: first byte after {feed['first']:.2f} s, the whole feed in
{feed['total']:.1f} s. It is written a page of 500 events at a time; the Hub's peak
memory was {feed['before']:.0f} MB before it and {feed['after']:.0f} MB after.
<!-- partner-queries:end -->"""
    results = os.path.join(HERE, "RESULTS.md")
    with open(results, encoding="utf-8") as f:
        text = f.read()
    if "<!-- partner-queries:start -->" in text:
        text = re.sub(r"<!-- partner-queries:start -->.*<!-- partner-queries:end -->", lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    with open(results, "w", encoding="utf-8") as f:
        f.write(text)
    print(section)


if __name__ == "__main__":
    main()
