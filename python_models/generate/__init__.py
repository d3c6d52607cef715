"""Deterministic, scalable demo data: a French online retailer's landing files and their ground truth.

    from python_models.generate import generate_lake
    report = generate_lake(Path("demo"), people=10_000, seed=42)

See `lake.generate_lake` for the layout, `personas.py` for the simulated behaviours and
`quality.py` for every noise and error rate (also rendered to `ground_truth/README.md`).
"""

from python_models.generate.lake import CHUNK_PEOPLE, GenerateReport, generate_lake

__all__ = ["CHUNK_PEOPLE", "GenerateReport", "generate_lake"]
