"""Prefect flows and the segmart CLI that drive the pipeline."""
