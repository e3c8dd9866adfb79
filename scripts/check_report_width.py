"""Does a ran-gym HTML report read at a given width without sideways scrolling?

    python scripts/check_report_width.py runs/demo/report/report.html [--width 1280]
        [--screenshot report.png]

Loads the page in headless Chromium (Debian's ``chromium``) at WIDTH x 2000 px, measures
the document's scroll width against the window's, and names the elements that reach past
the right edge. Exit status 0 when nothing does, 1 when the page overflows, 2 when the
check cannot run (no Chromium, no such file). ``--screenshot`` also writes a PNG of the
top of the page as Chromium renders it.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = r"""<script>
addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll("*")]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => `${e.tagName.toLowerCase()} right edge `
              + `${Math.round(e.getBoundingClientRect().right)}px: `
              + (e.textContent || e.getAttribute("alt") || "").replace(/\s+/g, " ").trim()
                .slice(0, 60));
  const out = document.createElement("pre");
  out.id = "ran-gym-width";
  out.textContent = JSON.stringify({
    window: width, page: document.documentElement.scrollWidth, wide: wide.slice(0, 10),
    sections: [...document.querySelectorAll("h2")].map(h => h.textContent)});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise SystemExit("check_report_width: no Chromium found (Debian: apt-get install chromium)")


def measure(page: Path, width: int) -> dict:
    """Chromium's measurements of ``page`` at ``width`` px."""
    with tempfile.TemporaryDirectory() as tmp:
        probed = Path(tmp) / page.name
        probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
        dom = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--window-size={width},2000", "--virtual-time-budget=5000", "--dump-dom",
             probed.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r'<pre id="ran-gym-width">(.*?)</pre>', dom, re.S)
    if not found:
        raise SystemExit(f"check_report_width: Chromium did not run the probe on {page}")
    return json.loads(html.unescape(found.group(1)))


def screenshot(page: Path, width: int, png: Path) -> None:
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    f"--window-size={width},2000", f"--screenshot={png.absolute()}",
                    page.absolute().as_uri()], capture_output=True, timeout=120, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path, help="report.html")
    parser.add_argument("--width", type=int, default=1280, help="window width (default 1280)")
    parser.add_argument("--screenshot", type=Path, default=None, help="PNG to write")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"check_report_width: {args.page}: no such file", file=sys.stderr)
        return 2
    result = measure(args.page, args.width)
    if args.screenshot:
        screenshot(args.page, args.width, args.screenshot)
    print(f"{args.page}: page {result['page']} px wide in a {result['window']} px window; "
          f"first section: {(result['sections'] or ['none'])[0]}")
    for line in result["wide"]:
        print(f"  past the right edge: {line}")
    return 1 if result["page"] > result["window"] else 0


if __name__ == "__main__":
    sys.exit(main())
