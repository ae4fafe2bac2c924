"""Parses the built site's Atom feed with feedparser, the standard Python
feed parser, and fails if it is not well-formed Atom with dated entries.

    python3 tests/e2e/check_feed.py SITE_DIR
"""

import sys
from pathlib import Path

import feedparser


def main() -> int:
    feed_path = Path(sys.argv[1]) / "feed.xml"
    feed = feedparser.parse(feed_path.read_bytes())
    problems = []
    if feed.bozo:
        problems.append(f"not well-formed: {feed.bozo_exception}")
    if feed.version != "atom10":
        problems.append(f"expected Atom 1.0, found {feed.version or 'nothing'}")
    if not feed.entries:
        problems.append("no entries")
    for entry in feed.entries:
        if not entry.get("updated_parsed"):
            problems.append(f"{entry.get('title')}: no valid updated date")
        if not entry.get("link", "").startswith("http"):
            problems.append(f"{entry.get('title')}: link {entry.get('link')!r} is not absolute")
    for problem in problems:
        print(f"not ok - feed: {problem}")
    if problems:
        return 1
    print(f"ok - {feed_path} is Atom 1.0 with {len(feed.entries)} dated entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
