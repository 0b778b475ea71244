"""Writes a large iCalendar file for import benchmarks: N events, a quarter of them
recurring (weekly with COUNT or endless, some with EXDATE and an override), in
Europe/Berlin, reproducibly from a seed.

usage: python gen_ics.py N OUT.ics [SEED]
"""

import random
import sys


def main(n, out, seed=2001):
    rnd = random.Random(seed)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Netzwerk Hub//bench//DE",
        "X-WR-CALNAME:Benchmark",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:STANDARD",
        "DTSTART:19701025T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:19700329T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
    words = ["Sprachcafé", "Beratung", "Elterncafé", "Kiezfest", "Lesung", "Workshop", "Jugendtreff", "Diskussion"]
    for i in range(n):
        month = rnd.randint(1, 12)
        day = rnd.randint(1, 28)
        hour = rnd.randint(8, 19)
        start = f"2027{month:02d}{day:02d}T{hour:02d}0000"
        end = f"2027{month:02d}{day:02d}T{hour + 2:02d}0000"
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{i}@netzwerk.example",
            "DTSTAMP:20270101T000000Z",
            "LAST-MODIFIED:20270101T000000Z",
            f"SEQUENCE:{rnd.randint(0, 3)}",
            f"DTSTART;TZID=Europe/Berlin:{start}",
            f"DTEND;TZID=Europe/Berlin:{end}",
            f"SUMMARY:{rnd.choice(words)} Nr. {i}",
            f"DESCRIPTION:Veranstaltung {i} im Bezirk\\, offen für alle.",
            "LOCATION:Nachbarschaftshaus\\, Musterstraße 1\\, 12555 Berlin",
        ]
        if i % 4 == 0:
            if i % 8 == 0:
                lines.append("RRULE:FREQ=WEEKLY;COUNT=10")
            else:
                lines.append("RRULE:FREQ=WEEKLY")
            lines.append(f"EXDATE;TZID=Europe/Berlin:2027{month:02d}{day:02d}T{hour:02d}0000")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2001)
