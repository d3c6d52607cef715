"""Assemble charts into one HTML file: no external resource, so it opens offline and can be mailed."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

from python_models.reporting.figure import Chart

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}
h1{margin-bottom:.2em} .meta{color:#666;margin-top:0} nav ul{columns:2}
section.chart{border-top:1px solid #ddd;padding:1em 0} .guide{color:#444;font-style:italic;margin:.2em 0 .6em}
.missing{color:#a33;background:#fdf0f0;padding:.5em;border-radius:4px} img{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.9em} td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left}
"""

# Lets a headless browser (and the test) tell whether every picture decoded.
_IMAGE_CHECK = """
<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images-total', imgs.length);
  document.body.setAttribute('data-images-loaded', ok);
});
</script>
"""


def render(title: str, subtitle: str, charts: Sequence[Chart], summary_rows: Sequence[tuple[str, str]] = ()) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>{_STYLE}</style>{_IMAGE_CHECK}</head><body>",
        f"<h1>{e(title)}</h1><p class='meta'>{e(subtitle)} · generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
    ]
    if summary_rows:
        parts.append("<table>" + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in summary_rows) + "</table>")
    sections: dict[str, list[Chart]] = {}
    for c in charts:
        sections.setdefault(c.section, []).append(c)
    parts.append("<nav><ul>" + "".join(
        f"<li><a href='#{e(c.key)}'>{e(c.title)}</a>{'' if c.png_base64 else ' (missing)'}</li>" for c in charts
    ) + "</ul></nav>")
    for section, items in sections.items():
        parts.append(f"<h2>{e(section)}</h2>")
        for c in items:
            parts.append(f"<section class='chart' id='{e(c.key)}'><h3>{e(c.title)}</h3>")
            parts.append(f"<p class='guide'>How to read it: {e(c.guide)}</p>")
            if c.png_base64:
                parts.append(f"<img alt='{e(c.title)}' src='data:image/png;base64,{c.png_base64}'>")
            else:
                parts.append(f"<p class='missing'>Not drawn: {e(c.missing_reason or 'no data')}</p>")
            if c.caption:
                parts.append(f"<p>{e(c.caption)}</p>")
            parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
