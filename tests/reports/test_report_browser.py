"""Quality: a report's diagram renders to an image in a headless browser, and stays readable.

Mermaid's browser bundle (from ``npm ci --prefix tests/reports/mermaid``) draws the diagram of
a report in headless Chromium; the test reads the drawn SVG back from the page and takes a
screenshot. Skipped, saying why, when no Chromium-like browser or no Mermaid bundle is here.
"""

from __future__ import annotations

import html
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from report_samples import STATS, VERSIONS, litmus_trace

from explorer import registry
from explorer.report import render_markdown
from explorer.report.save import invariant_doc

HERE = Path(__file__).parent
BUNDLE = HERE / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
EXAMPLES = HERE.parents[1] / "reports" / "examples"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Taller than this, a diagram no longer reads at a glance (the old 140-step ones were 12,000 px).
MAX_HEIGHT = 2000
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>pending</title></head><body>
<pre class="mermaid">{source}</pre>
<script src="{bundle}"></script>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
mermaid.run({{querySelector: ".mermaid"}})
  .then(() => {{ document.title = "rendered"; }})
  .catch((error) => {{ document.title = "error: " + error; }});
</script></body></html>
"""


def browser_or_skip() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        pytest.skip("no headless Chromium here (Debian: apt-get install chromium)")
    if not BUNDLE.is_file():
        pytest.skip("mermaid not installed: run `npm ci --prefix tests/reports/mermaid`")
    return found


def diagram_of(markdown: str) -> str:
    return markdown.split("```mermaid\n", 1)[1].split("\n```", 1)[0]


def run_browser(browser: str, page: Path, *flags: str) -> str:
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--allow-file-access-from-files", "--virtual-time-budget=15000",
         "--window-size=2400,1600", *flags, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def render(browser: str, markdown: str, folder: Path) -> tuple[str, Path]:
    """The rendered page's DOM and a screenshot of it."""
    source = diagram_of(markdown)
    page = folder / "diagram.html"
    page.write_text(PAGE.format(source=html.escape(source), bundle=BUNDLE.as_uri()),
                    encoding="utf-8")
    dom = run_browser(browser, page, "--dump-dom")
    shot = folder / "diagram.png"
    run_browser(browser, page, f"--screenshot={shot}")
    return dom, shot


def expected_texts(source: str) -> int:
    return sum(1 for line in source.splitlines() if "->>" in line or "Note over" in line)


def check_rendered(dom: str, shot: Path, markdown: str) -> float:
    """The diagram drew every message and note, within the height limit; returns its height."""
    assert "<title>rendered</title>" in dom, re.findall(r"<title>.*?</title>", dom)
    svg = re.search(r'<svg[^>]*viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"', dom)
    assert svg is not None, "no diagram was drawn"
    height = float(svg.group(4))
    assert 0 < height <= MAX_HEIGHT
    drawn = len(re.findall(r'class="(?:messageText|noteText)"', dom))
    assert drawn == expected_texts(diagram_of(markdown))
    width, tall = png_size(shot)
    assert (width, tall) == (2400, 1600)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few hundred bytes
    return height


def test_the_largest_example_diagram_renders_readably(tmp_path: Path) -> None:
    """The example whose diagram has the most lanes and notes, drawn in the browser."""
    browser = browser_or_skip()
    paths = sorted(EXAMPLES.glob("*.md"))
    assert paths, "reports/examples/ is empty"
    biggest = max(paths, key=lambda p: (diagram_of(p.read_text(encoding="utf-8")).count("\n"),
                                        p.name))
    markdown = biggest.read_text(encoding="utf-8")
    dom, shot = render(browser, markdown, tmp_path)
    check_rendered(dom, shot, markdown)


def test_a_small_finding_renders_too(tmp_path: Path) -> None:
    browser = browser_or_skip()
    trace = litmus_trace("litmus.lost-update", "two")
    model = registry.get_model(trace.model)
    markdown = render_markdown(trace, stats=STATS, versions=VERSIONS,
                               invariant_doc=invariant_doc(model, trace))
    dom, shot = render(browser, markdown, tmp_path)
    check_rendered(dom, shot, markdown)
