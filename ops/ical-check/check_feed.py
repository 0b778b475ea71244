"""Three-way check of the Hub's calendars against real implementations: Python's
`icalendar` + `recurring-ical-events` read the original feed (if given) and the
Hub's exported feed of the organisation, and their occurrences in the window must
be exactly the ones the Hub's own `eventOccurrences` reports. Exit code 1 on any
difference.

usage: python check_feed.py HUB_BASE_URL ORGANISATION_SLUG FROM TO [ORIGINAL.ics]
       (FROM/TO as 2027-03-01T00:00:00Z)
"""

import datetime as dt
import json
import sys
import urllib.request

import icalendar
import recurring_ical_events


def utc(value):
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise SystemExit(f"floating time in the feed: {value}")
        return value.astimezone(dt.timezone.utc)
    # Whole days: the Hub places them at midnight UTC.
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)


def occurrences(cal, frm, to):
    found = set()
    for occ in recurring_ical_events.of(cal).between(frm, to):
        if str(occ.get("STATUS", "")).upper() == "CANCELLED":
            continue
        found.add((utc(occ["DTSTART"].dt).isoformat(), str(occ["SUMMARY"])))
    return found


def hub_occurrences(base, slug, start, end):
    found, after = set(), None
    while True:
        query = {
            "query": "query($f: DateTime!, $t: DateTime!, $o: String, $a: String) { eventOccurrences(from: $f, to: $t, first: 100, after: $a, filter: {organisation: $o}) { pageInfo { hasNextPage endCursor } nodes { start title } } }",
            "variables": {"f": start, "t": end, "o": slug, "a": after},
        }
        req = urllib.request.Request(
            f"{base}/graphql", data=json.dumps(query).encode(), headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req) as res:
            data = json.load(res)["data"]["eventOccurrences"]
        for n in data["nodes"]:
            found.add((dt.datetime.fromisoformat(n["start"]).astimezone(dt.timezone.utc).isoformat(), n["title"]))
        if not data["pageInfo"]["hasNextPage"]:
            return found
        after = data["pageInfo"]["endCursor"]


def compare(label_a, a, label_b, b):
    if a != b:
        print(f"only in {label_a}:", sorted(a - b))
        print(f"only in {label_b}:", sorted(b - a))
        raise SystemExit(1)


def main(base, slug, start, end, original=None):
    with urllib.request.urlopen(f"{base}/ical/organisations/{slug}.ics") as res:
        body = res.read()
    cal = icalendar.Calendar.from_ical(body)
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    for ev in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            if prop not in ev:
                raise SystemExit(f"a VEVENT lacks {prop}: {ev.get('UID')}")
        tzid = ev["DTSTART"].params.get("TZID")
        if tzid and tzid not in zones:
            raise SystemExit(f"TZID {tzid} has no VTIMEZONE")
    frm = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    to = dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
    exported = occurrences(cal, frm, to)
    ours = hub_occurrences(base, slug, start, end)
    compare("the Hub's eventOccurrences", ours, "the Hub's feed read by icalendar", exported)
    if original:
        with open(original, "rb") as f:
            source = occurrences(icalendar.Calendar.from_ical(f.read()), frm, to)
        compare("the Hub's eventOccurrences", ours, f"{original} read by icalendar", source)
    print(
        f"ical check {slug}: {len(ours)} occurrences agree three ways"
        if original
        else f"ical check {slug}: {len(ours)} occurrences agree"
    )


if __name__ == "__main__":
    main(*sys.argv[1:6])
