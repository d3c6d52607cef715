"""Per-segment audience files for the ad platforms, written from `audience_members` only.

One folder per published version: `meta/<segment>.csv` and `google/<segment>.csv` with the hashed
identifiers each platform expects (column names as their upload templates), country and postcode
in clear, plus `manifest.json` listing every segment with its counts and, for held-back segments,
the reason. A final guard refuses to write anything that looks like a raw e-mail or phone.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from python_models.preprocessing.pipeline import slug

PLATFORM_COLUMNS = {
    # platform: {output column: audience_members column}
    "meta": {"email": "email_sha256", "phone": "phone_meta_sha256", "country": "country", "zip": "postcode"},
    "google": {"Email": "email_sha256", "Phone": "phone_google_sha256", "Country": "country", "Zip": "postcode"},
}
_RAW_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_RAW_PHONE = re.compile(r"^\+?\d[\d\s().-]{6,}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class RawPIIError(RuntimeError):
    """An export was about to contain a raw identifier."""


@dataclass
class SegmentExport:
    segment_id: int | None
    segment_name: str
    members: int
    exportable: int
    status: str  # exported | held_back
    reason: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    suppressed_by_reason: dict[str, int] = field(default_factory=dict)


def _guard(frame: pd.DataFrame, hashed: list[str]) -> None:
    for col in frame.columns:
        values = frame[col].dropna().astype(str)
        if col in hashed:
            bad = values[~values.str.match(_SHA256)]
        else:
            bad = values[values.str.contains(_RAW_EMAIL) | values.str.match(_RAW_PHONE)]
        if len(bad):
            raise RawPIIError(f"column {col!r} would export {len(bad)} raw identifier(s); nothing written")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".csv")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        frame.to_csv(fh, index=False)
    os.replace(tmp, path)


def write_audience_exports(audience: pd.DataFrame, out_dir: str | Path, version: str,
                           min_segment_size: int = 100, platforms: tuple[str, ...] = ("meta", "google")) -> list[SegmentExport]:
    """Write the exports of one version; returns one entry per segment (exported or held back)."""
    unknown = set(platforms) - set(PLATFORM_COLUMNS)
    if unknown:
        raise ValueError(f"unknown platforms {sorted(unknown)}; known: {sorted(PLATFORM_COLUMNS)}")
    needed = {"segment_id", "segment_name", "is_exportable", "suppression_reason",
              *(c for p in platforms for c in PLATFORM_COLUMNS[p].values())}
    missing = needed - set(audience.columns)
    if missing:
        raise ValueError(f"audience lacks columns {sorted(missing)}")
    out = Path(out_dir) / version
    results: list[SegmentExport] = []
    for (seg_id, seg_name), members in audience.groupby(["segment_id", "segment_name"], dropna=False, sort=True):
        ok = members[members["is_exportable"].fillna(False).astype(bool)]
        reasons = members["suppression_reason"].dropna().value_counts().to_dict()
        entry = SegmentExport(None if pd.isna(seg_id) else int(seg_id), str(seg_name), len(members), len(ok),
                              "exported", suppressed_by_reason={str(k): int(v) for k, v in reasons.items()})
        if len(ok) < min_segment_size:
            entry.status, entry.reason = "held_back", f"{len(ok)} exportable members < minimum {min_segment_size}"
            results.append(entry)
            continue
        for platform in platforms:
            mapping = PLATFORM_COLUMNS[platform]
            frame = ok[list(mapping.values())].set_axis(list(mapping), axis=1)
            hashed = [k for k, v in mapping.items() if v.endswith("_sha256")]
            frame = frame.dropna(subset=hashed, how="all")
            _guard(frame, hashed)
            path = out / platform / f"segment_{entry.segment_id}_{slug(seg_name)}.csv"
            _write_csv(frame, path)
            entry.files[platform] = str(path.relative_to(out))
        results.append(entry)
    manifest = {"version": version, "min_segment_size": min_segment_size, "platforms": list(platforms),
                "segments": [asdict(r) for r in results]}
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return results
