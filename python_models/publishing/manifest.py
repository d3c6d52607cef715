"""What dbt says a build contains: the models tagged `publish` and `gates`, and a hash of its config."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

PUBLISH_TAG = "publish"
GATES_TAG = "gates"


@dataclass(frozen=True)
class Relation:
    name: str  # the model name, which is also its name in a published version
    schema: str
    identifier: str
    unique_id: str

    @property
    def sql(self) -> str:
        return f'"{self.schema}"."{self.identifier}"'


@dataclass
class BuildManifest:
    path: Path
    data: dict

    @classmethod
    def load(cls, path: str | Path) -> BuildManifest:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no dbt manifest at {path}: run `dbt build` (or `segmart build`) first")
        return cls(path, json.loads(path.read_text(encoding="utf-8")))

    def _models(self):
        for node in self.data.get("nodes", {}).values():
            if node.get("resource_type") == "model" and node.get("config", {}).get("enabled", True):
                yield node

    def tagged(self, tag: str) -> list[Relation]:
        out = [
            Relation(node["name"], node["schema"], node.get("alias") or node["name"], node["unique_id"])
            for node in self._models()
            if tag in (node.get("tags") or [])
        ]
        return sorted(out, key=lambda r: r.name)

    @property
    def invocation_id(self) -> str | None:
        return self.data.get("metadata", {}).get("invocation_id")

    def config_hash(self, project_dir: str | Path | None = None) -> str:
        """sha256 over every model's SQL checksum and config, the project vars and the run's --vars.

        Two versions with the same config hash were built by the same transformations; a
        different hash says the logic or a setting changed, not only the data.
        """
        material: dict = {
            "models": {
                node["unique_id"]: [node.get("checksum", {}).get("checksum"), node.get("config")]
                for node in self._models()
            }
        }
        if project_dir is not None and (Path(project_dir) / "dbt_project.yml").is_file():
            project = yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text(encoding="utf-8"))
            material["project_vars"] = project.get("vars") or {}
        run_results = self.path.with_name("run_results.json")
        if run_results.is_file():
            args = json.loads(run_results.read_text(encoding="utf-8")).get("args", {})
            material["cli_vars"] = args.get("vars") or {}
        text = json.dumps(material, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
