"""The segment report of a published demo version: drawn from the version's tables, viewable offline."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from python_models.reporting import build_report

pytestmark = pytest.mark.dbt

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Charts the demo's default configuration must be able to draw (k-distance needs DBSCAN and
# transitions need two versions, so they may legitimately be missing with a reason).
EXPECTED = {"elbow", "silhouette", "scatter_tsne", "scatter_pca", "profile_heatmap", "sizes_history", "roc",
            "confusion", "match_probability", "quarantine", "reconciliation"}


@pytest.fixture(scope="module")
def report(demo_published, tmp_path_factory):
    warehouse, published = demo_published
    return build_report(warehouse, published.version_id, tmp_path_factory.mktemp("report") / "report.html")


def test_report_draws_every_chart_the_version_has_data_for(report):
    missing = dict(report.missing)
    assert not EXPECTED & set(missing), {k: missing[k] for k in EXPECTED & set(missing)}
    assert all(reason for reason in missing.values())  # a missing chart always says why
    html = report.path.read_text(encoding="utf-8")
    assert html.count("<img ") == report.drawn
    assert html.count("How to read it:") == report.drawn + len(report.missing)
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)=['"](https?:)?//""", html)


def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def test_every_image_loads_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    dom = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
         "--dump-dom", report.path.as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout
    total = re.search(r'data-images-total="(\d+)"', dom)
    loaded = re.search(r'data-images-loaded="(\d+)"', dom)
    assert total and loaded, f"the page's image check did not run; DOM starts: {dom[:300]!r}"
    assert int(total.group(1)) == report.drawn > 0
    assert int(loaded.group(1)) == int(total.group(1))
