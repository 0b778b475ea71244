"""Reads a Netzwerk Hub iCalendar feed with Python's `icalendar` and
`recurring-ical-events` (what many calendar tools are built on) and checks that
their occurrences in a window are exactly the ones the Hub's own
`eventOccurrences` query reports. Exit code 1 on any difference.

usage: python check_feed.py HUB_BASE_URL ORGANISATION_SLUG FROM TO
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


def main(base, slug, start, end):
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
    theirs = set()
    for occ in recurring_ical_events.of(cal).between(frm, to):
        if str(occ.get("STATUS", "")).upper() == "CANCELLED":
            continue
        theirs.add((utc(occ["DTSTART"].dt).isoformat(), str(occ["SUMMARY"])))

    query = {
        "query": "query($f: DateTime!, $t: DateTime!, $o: String) { eventOccurrences(from: $f, to: $t, first: 100, filter: {organisation: $o}) { totalCount nodes { start title } } }",
        "variables": {"f": start, "t": end, "o": slug},
    }
    req = urllib.request.Request(
        f"{base}/graphql", data=json.dumps(query).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req) as res:
        data = json.load(res)["data"]["eventOccurrences"]
    if data["totalCount"] > 100:
        raise SystemExit("window too large for this check")
    ours = {(dt.datetime.fromisoformat(n["start"]).astimezone(dt.timezone.utc).isoformat(), n["title"]) for n in data["nodes"]}
    if ours != theirs:
        print("only in the Hub's eventOccurrences:", sorted(ours - theirs))
        print("only in the feed, read by icalendar/recurring-ical-events:", sorted(theirs - ours))
        raise SystemExit(1)
    print(f"ical check: {len(ours)} occurrences agree between the feed (read by icalendar {icalendar.__version__}) and eventOccurrences")


if __name__ == "__main__":
    main(*sys.argv[1:5])
