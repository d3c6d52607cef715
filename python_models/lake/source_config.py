"""The bring-your-own sources file: which landed files are which canonical entity, and how to read them."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from python_models.contracts import load_contracts

FORMATS = ("csv", "json")
DATE_ORDERS = ("DMY", "MDY")
OPTION_DEFAULTS = {
    "timezone": "UTC",
    "default_country": "FR",
    "phone_region": "FR",
    "currency": "EUR",
    "date_order": "DMY",
}
_SOURCE_KEYS = {
    "name", "entity", "path", "pattern", "format", "delimiter", "quote", "encoding",
    "records_path", "options", "columns", "constants", "description", "rest",
}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class SourceConfigError(ValueError):
    """The sources file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class SourceSpec:
    name: str
    entity: str
    folder: Path
    pattern: str
    format: str
    columns: dict[str, str]
    constants: dict[str, str]
    options: dict[str, str]
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    records_path: str | None = None
    description: str = ""
    rest: Any = None  # RestSettings of a REST source (python_models.lake.rest_source); fetching only

    def fingerprint(self) -> str:
        """Changes whenever a setting that affects how files are read changes."""
        settings = {k: v for k, v in asdict(self).items() if k not in ("description", "rest")}
        settings["folder"] = str(self.folder)
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob(self.pattern) if p.is_file() and not p.name.startswith("."))


@dataclass(frozen=True)
class SourcesConfig:
    path: Path
    sources: tuple[SourceSpec, ...] = field(default_factory=tuple)

    def by_name(self, name: str) -> SourceSpec:
        for spec in self.sources:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _expand_env(value: str) -> str:
    def repl(match: re.Match) -> str:
        return os.environ.get(match.group(1), match.group(2) or "")

    return _ENV_RE.sub(repl, value)


def _fail(where: str, problem: str) -> SourceConfigError:
    return SourceConfigError(f"{where}: {problem}")


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources file; every problem names the source and the key at fault."""
    path = Path(path)
    if not path.is_file():
        raise SourceConfigError(f"sources file not found: {path}")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SourceConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list) or not doc["sources"]:
        raise SourceConfigError(f"{path}: expected a top-level 'sources:' list with at least one source")
    defaults = {**OPTION_DEFAULTS, **{k: str(v) for k, v in (doc.get("defaults") or {}).items()}}
    unknown_defaults = set(defaults) - set(OPTION_DEFAULTS)
    if unknown_defaults:
        raise SourceConfigError(f"{path}: unknown keys in defaults: {sorted(unknown_defaults)}")
    contracts = load_contracts()
    specs: list[SourceSpec] = []
    for i, raw in enumerate(doc["sources"]):
        where = f"{path} source #{i + 1}"
        if not isinstance(raw, dict):
            raise _fail(where, "each source must be a mapping")
        name = str(raw.get("name", ""))
        if not _NAME_RE.match(name):
            raise _fail(where, f"'name' must be lowercase letters, digits and _, got {name!r}")
        where = f"{path} source '{name}'"
        unknown = set(raw) - _SOURCE_KEYS
        if unknown:
            raise _fail(where, f"unknown keys {sorted(unknown)} (allowed: {sorted(_SOURCE_KEYS)})")
        entity = raw.get("entity")
        if entity not in contracts:
            raise _fail(where, f"'entity' must be one of {sorted(contracts)}, got {entity!r}")
        contract = contracts[entity]
        fmt = str(raw.get("format", "csv")).lower()
        if fmt not in FORMATS:
            raise _fail(where, f"'format' must be one of {FORMATS}, got {fmt!r}")
        columns = {str(k): str(v) for k, v in (raw.get("columns") or {}).items()}
        constants = {str(k): "" if v is None else str(v) for k, v in (raw.get("constants") or {}).items()}
        for canonical in [*columns, *constants]:
            if canonical not in contract.column_names:
                raise _fail(
                    where,
                    f"'{canonical}' is not a canonical column of {entity} "
                    f"(expected one of: {', '.join(contract.column_names)})",
                )
        both = set(columns) & set(constants)
        if both:
            raise _fail(where, f"{sorted(both)} are both mapped and constant; keep one")
        missing = [c for c in contract.required_columns if c not in columns and c not in constants]
        if missing:
            raise _fail(where, f"required canonical columns not mapped: {missing}")
        options = {**defaults, **{k: str(v) for k, v in (raw.get("options") or {}).items()}}
        unknown_opts = set(options) - set(OPTION_DEFAULTS)
        if unknown_opts:
            raise _fail(where, f"unknown options {sorted(unknown_opts)} (allowed: {sorted(OPTION_DEFAULTS)})")
        options["date_order"] = options["date_order"].upper()
        if options["date_order"] not in DATE_ORDERS:
            raise _fail(where, f"options.date_order must be DMY or MDY, got {options['date_order']!r}")
        folder_text = _expand_env(str(raw.get("path", f"landing/{name}")))
        folder = Path(folder_text)
        if not folder.is_absolute():
            folder = (path.parent / folder).resolve()
        delimiter = str(raw.get("delimiter", ","))
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        if len(delimiter) != 1:
            raise _fail(where, f"'delimiter' must be one character, got {delimiter!r}")
        rest = None
        if raw.get("rest") is not None:
            from python_models.lake.rest_source import parse_rest_settings

            if fmt != "json":
                raise _fail(where, "a source with a 'rest:' block must have format: json (its pages are JSON)")
            try:
                rest_raw = raw["rest"]
                if isinstance(rest_raw, dict) and "url" in rest_raw:
                    rest_raw = {**rest_raw, "url": _expand_env(str(rest_raw["url"]))}
                rest = parse_rest_settings(rest_raw, where, raw.get("records_path"))
            except ValueError as exc:
                raise SourceConfigError(str(exc)) from None
        specs.append(
            SourceSpec(
                name=name,
                entity=entity,
                folder=folder,
                pattern=str(raw.get("pattern", "*.json" if fmt == "json" else "*.csv")),
                format=fmt,
                columns=columns,
                constants=constants,
                options=options,
                delimiter=delimiter,
                quote=str(raw.get("quote", '"')),
                encoding=str(raw.get("encoding", "utf-8")),
                records_path=raw.get("records_path"),
                description=str(raw.get("description", "")),
                rest=rest,
            )
        )
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SourceConfigError(f"{path}: source names must be unique, repeated: {dupes}")
    return SourcesConfig(path=path, sources=tuple(specs))
