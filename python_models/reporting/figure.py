"""A chart is a PNG (base64, so the HTML works offline) with a title and a one-line reading guide.

A chart whose data is missing is still listed, with the reason, so a reader knows what to fix
instead of wondering why a picture is absent.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

PALETTE = plt.get_cmap("tab10")


@dataclass
class Chart:
    key: str
    section: str
    title: str
    guide: str
    png_base64: str | None = None
    missing_reason: str | None = None
    caption: str | None = None


def new_figure(width: float = 7.0, height: float = 4.0):
    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    ax.grid(alpha=0.3)
    return fig, ax


def to_base64(fig) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def segment_color(i: int):
    return PALETTE(int(i) % 10) if int(i) >= 0 else (0.6, 0.6, 0.6, 0.6)  # noise (-1) in grey
