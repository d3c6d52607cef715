"""segmart's algorithms: importable, unit-tested without dbt or Prefect."""

__version__ = "0.1.0"
