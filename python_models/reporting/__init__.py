"""The segment report: one self-contained HTML file per published version (issue #10)."""

from python_models.reporting.report import ReportResult, build_report

__all__ = ["ReportResult", "build_report"]
