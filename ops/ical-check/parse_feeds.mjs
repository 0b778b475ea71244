// Parses iCalendar feeds (URLs) with ical.js, expands every recurring event over a
// year and fails on the first feed it cannot read.
// usage: node parse_feeds.mjs URL [URL …]
import ICAL from "ical.js";

let failed = 0;
for (const url of process.argv.slice(2)) {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const comp = new ICAL.Component(ICAL.parse(await res.text()));
    for (const tz of comp.getAllSubcomponents("vtimezone")) {
      ICAL.TimezoneService.register(new ICAL.Timezone(tz));
    }
    const events = comp.getAllSubcomponents("vevent");
    let occurrences = 0;
    for (const vevent of events) {
      const event = new ICAL.Event(vevent);
      if (!event.uid || !event.startDate) throw new Error("an event lacks UID or DTSTART");
      if (event.isRecurring()) {
        const it = event.iterator();
        let next;
        for (let i = 0; i < 400 && (next = it.next()); i++) occurrences++;
      } else {
        occurrences++;
      }
    }
    console.log(`ical.js ok: ${url}: ${events.length} VEVENTs, ${occurrences} occurrences expanded`);
  } catch (e) {
    failed++;
    console.log(`ical.js FAILED: ${url}: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
