"""Checks the built site (`site/`): every internal link and image of every page resolves.

    python docs/check_site.py [site]        # `make docs` runs it after `mkdocs build`

External links (http, https, mailto) are not followed. A link resolves when the file it
names exists in the site (a directory through its index.html) and, with a #fragment, when
that page has an element with that id. Exits 1 and lists what does not resolve.
"""

import html.parser
import os
import sys
import urllib.parse


LINKS = {("a", "href"), ("img", "src"), ("link", "href"), ("script", "src"), ("audio", "src"), ("source", "src")}


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key) and (tag, key) in LINKS:
                self.links.append(attrs[key])


def _parse(path):
    page = _Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    return page


def broken_links(site):
    pages = {}
    for folder, _, files in os.walk(site):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                pages[os.path.normpath(path)] = _parse(path)
    broken = []
    for path, page in sorted(pages.items()):
        if os.path.basename(path) == "404.html":  # its links are relative to wherever it is served
            continue
        for link in page.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc or link.startswith("mailto:"):
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(url.path))) \
                if url.path else path
            if os.path.isdir(target):
                target = os.path.join(target, "index.html")
            if not os.path.isfile(target):
                broken.append(f"{os.path.relpath(path, site)}: {link} (no {os.path.relpath(target, site)})")
            elif url.fragment and target.endswith(".html") and url.fragment not in pages[target].ids:
                broken.append(f"{os.path.relpath(path, site)}: {link} (no id {url.fragment!r})")
    return broken, len(pages)


def main(argv):
    site = argv[0] if argv else "site"
    broken, count = broken_links(site)
    for line in broken:
        print("broken:", line)
    print(f"{count} pages, {len(broken)} broken internal links or images")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
