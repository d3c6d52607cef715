"""Run dbt in-process and turn its per-node results into something a person can read."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from flows.faults import dbt_callbacks
from flows.settings import Paths


@dataclass
class NodeResult:
    unique_id: str
    resource_type: str
    status: str
    seconds: float
    message: str | None
    failures: int | None = None


@dataclass
class DbtRun:
    command: list[str]
    success: bool
    nodes: list[NodeResult] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in ("error", "fail", "runtime error")]

    @property
    def warned(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status == "warn"]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for node in self.nodes:
            out[node.status] = out.get(node.status, 0) + 1
        return out

    def summary(self) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(self.counts().items()))
        lines = [f"dbt {' '.join(self.command[:1])}: {'ok' if self.success else 'FAILED'} ({counts or 'no nodes'})"]
        if self.error:
            lines.append(f"  error: {self.error}")
        for node in self.failed:
            # dbt's first line only names the model; the database's reason follows it
            detail = [ln.strip() for ln in (node.message or "").strip().splitlines() if ln.strip()][:4]
            lines.append(f"  {node.status.upper()} {node.unique_id}: {' | '.join(detail)}")
        for node in self.warned:
            lines.append(f"  WARN {node.unique_id}: {(node.message or '').strip()[:200]}")
        return "\n".join(lines)


class DbtFailed(RuntimeError):
    def __init__(self, run: DbtRun):
        super().__init__(run.summary())
        self.run = run


def run_dbt(args: list[str], paths: Paths | None = None, raise_on_failure: bool = True) -> DbtRun:
    from dbt.cli.main import dbtRunner  # imported late: dbt is slow to import

    paths = paths or Paths.from_env()
    paths.export_env()
    if (paths.lake_dir / "raw").is_dir():
        from python_models.lake.raw_zone import RawZone

        # a lake ingested before an entity was added to the contracts has no folder for it yet
        RawZone(paths.lake_dir).ensure_schema_files()
    # dbt's per-node log lines drown the summary below; SEGMART_DBT_VERBOSE=1 brings them back
    quiet = [] if os.environ.get("SEGMART_DBT_VERBOSE") else ["--quiet"]
    command = [
        *quiet,
        *args,
        "--project-dir", str(paths.dbt_project_dir),
        "--profiles-dir", str(paths.profiles_dir),
    ]
    # the build database holds personal data: whatever dbt creates (database, WAL, logs) is owner-only
    old_umask = os.umask(0o077)
    try:
        result = dbtRunner(callbacks=dbt_callbacks()).invoke(command)
    finally:
        os.umask(old_umask)
    if paths.build_db.exists():
        paths.build_db.chmod(0o600)  # a database created before this rule, or by another tool
    run = DbtRun(command=args, success=bool(result.success))
    if result.exception is not None:
        run.error = f"{type(result.exception).__name__}: {result.exception}"
    for res in getattr(result.result, "results", None) or []:
        node = getattr(res, "node", None)
        run.nodes.append(
            NodeResult(
                unique_id=getattr(node, "unique_id", "?"),
                resource_type=str(getattr(node, "resource_type", "?")),
                status=str(getattr(res.status, "value", res.status)),
                seconds=float(getattr(res, "execution_time", 0.0) or 0.0),
                message=getattr(res, "message", None),
                failures=getattr(res, "failures", None),
            )
        )
    if raise_on_failure and not run.success:
        raise DbtFailed(run)
    return run
