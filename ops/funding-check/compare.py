"""Checks the Hub's feed reading against Python's feedparser on the same files.

feedparser reads RSS and Atom but not JSON Feed; JSON feeds are read here with the
json module by the JSON Feed 1.1 field names (title, url, date_published,
date_modified) instead.

For each feed file: `netzwerk funding parse FILE` (the Hub's parser and normaliser,
the same code the poller runs) and feedparser must agree on every item the Hub takes:
the same titles, the same links, the same published/updated instants. Items the Hub
leaves out must be ones feedparser sees without an http(s) link or title.

    python compare.py path/to/netzwerk FILE...
"""

import calendar
import json
import subprocess
import sys
from datetime import datetime

import feedparser


def instant(struct):
    return None if struct is None else calendar.timegm(struct)


def parse_iso(text):
    return None if not text else datetime.fromisoformat(text).utctimetuple()


def hub_instant(text):
    return None if text is None else int(datetime.fromisoformat(text).timestamp())


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    failures = 0
    for path in files:
        out = subprocess.run(
            [binary, "funding", "parse", path], check=True, capture_output=True, text=True
        ).stdout
        hub = json.loads(out)["items"]
        if path.endswith(".json"):
            reader = "the JSON Feed 1.1 fields"
            with open(path, encoding="utf-8") as f:
                entries = [
                    feedparser.FeedParserDict(
                        title=i.get("title", ""),
                        link=i.get("url", ""),
                        published=i.get("date_published"),
                        published_parsed=parse_iso(i.get("date_published")),
                        updated=i.get("date_modified"),
                        updated_parsed=parse_iso(i.get("date_modified")),
                    )
                    for i in json.load(f).get("items", [])
                ]
        else:
            reader = f"feedparser {feedparser.__version__}"
            entries = feedparser.parse(path).entries
        usable = [
            e
            for e in entries
            if e.get("title", "").strip() and e.get("link", "").startswith(("http://", "https://"))
        ]
        problems = []
        if len(usable) != len(hub):
            problems.append(f"feedparser has {len(usable)} usable items, the Hub {len(hub)}")
        for mine, theirs in zip(hub, usable):
            if mine["title"] != " ".join(theirs.title.split()):
                problems.append(f"title {mine['title']!r} != {theirs.title!r}")
            if mine["link"] != theirs.link:
                problems.append(f"link {mine['link']!r} != {theirs.link!r}")
            for key in ("published", "updated"):
                got = hub_instant(mine[key])
                want = instant(theirs.get(f"{key}_parsed"))
                # feedparser copies `published` into `updated` when only one is given.
                if key == "updated" and (got is None or want is None):
                    continue
                if got != want:
                    problems.append(f"{mine['title']!r}: {key} {mine[key]} != {theirs.get(key)}")
        if problems:
            failures += 1
            print(f"FAIL {path}:")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"ok {path}: {len(hub)} items agree with {reader} (titles, links, dates)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
