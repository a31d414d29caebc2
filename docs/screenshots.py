"""Look at the built site in a real browser: headless Chromium screenshots of four pages.

    make docs && python docs/screenshots.py --out site-screenshots

Serves site/ over HTTP on localhost (as a reader's browser would see it, not file://) and
writes one PNG per page: the home page with the navigation, a tutorial with its figures,
an API page and a results card. Needs Chromium (Debian: `apt-get install chromium`); it is
a check for a person to look at, not part of `make test`.
"""

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import threading

PAGES = {
    "home": "",
    "tutorial": "tutorials/vae_from_scratch_to_zoo/",
    "api": "api/zoo/",
    "card": "cards/vq_vae/",
}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # one line per page from main(), not one per request
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="site", help="the built site (make docs)")
    parser.add_argument("--out", default="site-screenshots", help="folder for the PNGs")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("screenshots: no Chromium on PATH (Debian: apt-get install chromium)")
    if not os.path.isfile(os.path.join(args.site, "index.html")):
        raise SystemExit(f"screenshots: no {args.site}/index.html; run `make docs` first")
    os.makedirs(args.out, exist_ok=True)
    handler = functools.partial(QuietHandler, directory=args.site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for name, path in PAGES.items():
            target = os.path.abspath(os.path.join(args.out, name + ".png"))
            url = f"http://127.0.0.1:{server.server_address[1]}/{path}"
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--window-size={args.width},{args.height}", f"--screenshot={target}", url],
                           check=True, capture_output=True, timeout=120)
            print(f"{url} -> {target}")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
