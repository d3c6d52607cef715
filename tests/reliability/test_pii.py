"""Personal data stays where it belongs: owner-only files, tokens only from the environment, and
no raw e-mail or phone number in anything the pipeline logs or prints."""

from __future__ import annotations

import csv
import re
import stat
from pathlib import Path

import duckdb
import pytest

from python_models.lake import SourceConfigError, load_sources
from tests.reliability.corpus import KINDS

CORPUS_SOURCES = {k.name for k in KINDS}

PHONE_LIKE = re.compile(r"\+?\d[\d\s().\-/]{6,}\d")


def _people(lake: Path) -> list[dict[str, str]]:
    with (lake / "ground_truth" / "people.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.dbt
def test_logs_and_command_output_carry_no_raw_email_or_phone(reliability_run):
    outputs = reliability_run.outputs
    assert "logs/dbt.log" in outputs and len(outputs["logs/dbt.log"]) > 10_000, sorted(outputs)
    assert "crm_contacts_noheader.csv" in outputs["segmart ingest"]  # the bad file was reported
    people = _people(reliability_run.lake)
    with duckdb.connect() as con:
        landed = con.sql(
            f"select email, phone, _source_system from read_parquet('{reliability_run.lake}/raw/contacts/*/*.parquet')"
        ).fetchall()
    # the demo lake's people as they were landed; the corpus' made-up values are shared with dbt unit tests
    landed = [(e, ph) for e, ph, source in landed if source not in CORPUS_SOURCES]
    emails = {p["email"].lower() for p in people if p["email"]} | {e.lower() for e, _ in landed if e}
    # a phone is recognised by its last 8 digits, whatever the formatting around them
    phone_tails = {_digits(p["phone"])[-8:] for p in people if p["phone"]}
    phone_tails |= {_digits(ph)[-8:] for _, ph in landed if ph and len(_digits(ph)) >= 8}
    assert len(emails) > 100 and len(phone_tails) > 100
    leaks = []
    for name, text in outputs.items():
        lowered = text.lower()
        leaks += [(name, e) for e in emails if e in lowered]
        leaks += [(name, m) for m in PHONE_LIKE.findall(text) if _digits(m)[-8:] in phone_tails]
    assert not leaks, f"raw PII in logs: {leaks[:5]}"


@pytest.mark.dbt
def test_build_database_raw_zone_and_warehouse_folder_are_owner_only(reliability_run):
    db = reliability_run.build_db
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700  # the warehouse folder
    raw = reliability_run.lake / "raw"
    paths = [raw, *raw.rglob("*")]
    assert len(paths) > 20
    for path in paths:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


SOURCES = """
sources:
  - name: social
    entity: social_interactions
    format: json
    records_path: data
    columns: {{interaction_id: id, platform: p, handle: h, interaction_type: t, interacted_at: at}}
    rest:
{rest}
"""


@pytest.mark.parametrize(
    "rest",
    [
        "      url: https://api.example.com/x\n      token: abc123",
        "      url: https://api.example.com/x\n      api_key: abc123",
        "      url: https://api.example.com/x\n      Authorization: Bearer abc123",
        "      url: https://api.example.com/x?access_token=abc123",
        "      url: https://api.example.com/x\n      params: {api_key: abc123}",
    ],
    ids=["token", "api_key", "authorization", "token_in_url", "token_in_params"],
)
def test_a_token_in_the_sources_file_is_refused_and_not_repeated(tmp_path, rest):
    path = tmp_path / "sources.yml"
    path.write_text(SOURCES.format(rest=rest))
    with pytest.raises(SourceConfigError, match="token_env") as err:
        load_sources(path)
    assert "abc123" not in str(err.value)


def test_the_token_comes_from_the_named_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "sources.yml"
    path.write_text(SOURCES.format(rest="      url: https://api.example.com/x\n      token_env: SOCIAL_TOKEN"))
    settings = load_sources(path).by_name("social").rest
    assert settings.token_env == "SOCIAL_TOKEN"
    assert "abc123" not in repr(settings)
