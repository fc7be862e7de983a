"""Bad and awkward input tables: each gets a clear error or a correct result."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from synth_ops.candidates import get_candidate
from synth_ops.errors import ConfigError, TableError, TableTooWideError
from synth_ops.generator import Generator
from synth_ops.settings import TableSettings
from synth_ops.tables.prepare import prepare_table
from synth_ops.tables.reading import read_source


def _write(tmp_path, name: str, content: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


def _mixed_frame(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.integers(18, 90, rows),
        "plan": rng.choice(["basic", "plus", "pro"], rows),
        "spend": rng.normal(50, 10, rows).round(2),
    })


def _fit_and_sample(frame: pd.DataFrame, settings: TableSettings, rows: int = 200) -> tuple[pd.DataFrame, object]:
    prepared = prepare_table(frame, settings)
    candidate = get_candidate("gaussian_copula")(seed=settings.seed)
    candidate.fit(prepared.train, prepared.metadata)
    generator = Generator(candidate="gaussian_copula", model=candidate.model, columns=prepared.columns)
    return generator.sample(rows, seed=1), prepared


def test_empty_file_rejected(tmp_path):
    url = _write(tmp_path, "empty.csv", b"")

    with pytest.raises(TableError, match="is empty"):
        read_source(url, TableSettings())


def test_header_only_rejected(tmp_path):
    url = _write(tmp_path, "header.csv", "a,b,c\n")

    with pytest.raises(TableError, match="header but no data rows"):
        read_source(url, TableSettings())


def test_single_row_rejected(tmp_path):
    url = _write(tmp_path, "one.csv", "a,b\n1,x\n")
    source = read_source(url, TableSettings())

    with pytest.raises(TableError, match="has 1 data row; at least min_rows=50"):
        prepare_table(source.frame, TableSettings())


def test_duplicate_column_names_rejected(tmp_path):
    url = _write(tmp_path, "dup.csv", "id,amount,amount\n1,2,3\n")

    with pytest.raises(TableError, match="duplicate column names 'amount'"):
        read_source(url, TableSettings())


def test_binary_file_rejected(tmp_path):
    url = _write(tmp_path, "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))

    with pytest.raises(TableError, match="is not a table"):
        read_source(url, TableSettings())


def test_corrupt_parquet_rejected(tmp_path):
    url = _write(tmp_path, "broken.parquet", b"PAR1 this is not parquet")

    with pytest.raises(TableError, match="not a valid Parquet file"):
        read_source(url, TableSettings())


def test_ragged_text_rejected(tmp_path):
    text = "title,body\nDear team,please find, attached, the report, for, last, week\nthanks\n"
    url = _write(tmp_path, "letter.csv", text)

    with pytest.raises(TableError, match="not a well-formed table"):
        read_source(url, TableSettings())


def test_short_row_rejected_with_line(tmp_path):
    rows = [f"{i},x,{i * 2}" for i in range(60)]
    rows[10] = "10,x"
    url = _write(tmp_path, "short.csv", "a,b,c\n" + "\n".join(rows) + "\n")

    with pytest.raises(TableError, match="line 12 has 2 fields, the header has 3"):
        read_source(url, TableSettings())


def test_json_file_rejected(tmp_path):
    url = _write(tmp_path, "records.csv", '[{"a": 1, "b": 2}, {"a": 3, "b": 4}]')

    with pytest.raises(TableError, match="is not a table: it looks like JSON"):
        read_source(url, TableSettings())


def test_wide_table_rejected_before_parsing(tmp_path):
    header = ",".join(f"c{i}" for i in range(2000))
    row = ",".join("1" for _ in range(2000))
    url = _write(tmp_path, "wide.csv", header + "\n" + row + "\n" + row + "\n")

    with pytest.raises(TableTooWideError) as caught:
        read_source(url, TableSettings())

    message = str(caught.value)
    assert "2000 columns" in message
    assert "max_columns=1000" in message
    assert "GiB" in message


def test_bom_and_quoted_headers(tmp_path):
    rows = "\n".join(f'{i},"v{i % 3}"' for i in range(60))
    url = _write(tmp_path, "bom.csv", "\ufeff" + '"id number","plan, kind"\n' + rows + "\n")

    source = read_source(url, TableSettings())

    assert list(source.frame.columns) == ["id number", "plan, kind"]
    assert source.encoding == "utf-8"
    assert source.frame.iloc[1, 1] == "v1"


def test_latin1_fallback_logged(tmp_path, caplog):
    rows = "\n".join(f"{i};Müller;{i * 1.5}" for i in range(60))
    url = _write(tmp_path, "latin.csv", ("id;name;amount\n" + rows + "\n").encode("latin-1"))

    with caplog.at_level(logging.WARNING):
        source = read_source(url, TableSettings())

    assert source.encoding == "latin-1"
    assert source.delimiter == ";"
    assert source.frame.loc[0, "name"] == "Müller"
    assert "reading it as Latin-1" in caplog.text


def test_missing_markers_and_spaces_cleaned(tmp_path):
    lines = ["id,city,charge"] + [f"{i}, {'Oslo' if i % 2 else 'Lima'} ,{' 29.85' if i % 5 else ' '}" for i in range(60)]
    lines[3] = "2,?,NA"
    url = _write(tmp_path, "messy.csv", "\n".join(lines) + "\n")
    settings = TableSettings()

    prepared = prepare_table(read_source(url, settings).frame, settings)

    frame = pd.concat([prepared.train, prepared.holdout])
    assert set(frame["city"].dropna()) == {"Oslo", "Lima"}
    assert frame["city"].isna().sum() == 1
    assert frame["charge"].dtype == np.float64
    # Twelve blanks (every fifth row) plus the "NA" in row 2.
    assert frame["charge"].isna().sum() == 13
    assert frame["charge"].max() == pytest.approx(29.85)


def test_target_not_found_names_close_match():
    frame = _mixed_frame()

    with pytest.raises(ConfigError, match="target names column 'plans'.*Did you mean 'plan'"):
        prepare_table(frame, TableSettings(target="plans"))


def test_drop_unknown_column_rejected():
    with pytest.raises(ConfigError, match="drop names column 'nope'"):
        prepare_table(_mixed_frame(), TableSettings(drop=["nope"]))


def test_empty_column_comes_back_empty():
    frame = _mixed_frame()
    frame["notes"] = ""

    synthetic, prepared = _fit_and_sample(frame, TableSettings())

    assert next(spec for spec in prepared.columns if spec.name == "notes").kind == "empty"
    assert "notes" not in prepared.train.columns
    assert synthetic["notes"].isna().all()
    assert list(synthetic.columns) == list(frame.columns)


def test_constant_column_comes_back_constant():
    frame = _mixed_frame()
    frame["country"] = "NO"

    synthetic, prepared = _fit_and_sample(frame, TableSettings())

    assert next(spec for spec in prepared.columns if spec.name == "country").kind == "constant"
    assert (synthetic["country"] == "NO").all()


def test_integer_codes_declared_categorical():
    frame = _mixed_frame()
    frame["region"] = np.random.default_rng(3).choice([10, 20, 30, 40], len(frame))

    synthetic, prepared = _fit_and_sample(frame, TableSettings(categorical=["region"]))

    spec = next(spec for spec in prepared.columns if spec.name == "region")
    assert spec.kind == "categorical"
    assert prepared.metadata["tables"]["table"]["columns"]["region"]["sdtype"] == "categorical"
    assert synthetic["region"].dtype == np.int64
    assert set(synthetic["region"]) <= {10, 20, 30, 40}


def test_nullable_int_with_missing(tmp_path):
    frame = _mixed_frame()
    values = pd.array(np.arange(len(frame)) % 7, dtype="Int64")
    values[::4] = pd.NA
    frame["visits"] = values
    path = tmp_path / "nullable.parquet"
    frame.to_parquet(path)
    settings = TableSettings()

    synthetic, prepared = _fit_and_sample(read_source(str(path), settings).frame, settings, rows=500)

    assert str(synthetic["visits"].dtype) == "Int64"
    assert synthetic["visits"].isna().any()
    assert synthetic["visits"].notna().any()
    assert synthetic["visits"].dropna().between(0, 6).all()


def test_pandas_category_column(tmp_path):
    frame = _mixed_frame()
    frame["tier"] = pd.Categorical(np.random.default_rng(5).choice(["gold", "silver"], len(frame)), categories=["silver", "gold", "bronze"])
    path = tmp_path / "category.parquet"
    frame.to_parquet(path)
    settings = TableSettings()

    synthetic, _ = _fit_and_sample(read_source(str(path), settings).frame, settings)

    assert isinstance(synthetic["tier"].dtype, pd.CategoricalDtype)
    assert list(synthetic["tier"].cat.categories) == ["silver", "gold", "bronze"]
    assert set(synthetic["tier"].dropna()) <= {"gold", "silver"}


def test_declared_datetime_format_round_trips():
    frame = _mixed_frame()
    days = pd.date_range("2020-01-01", periods=len(frame), freq="D")
    frame["signup"] = days.strftime("%d %b %Y")

    synthetic, prepared = _fit_and_sample(frame, TableSettings(datetime_formats={"signup": "%d %b %Y"}))

    assert prepared.train["signup"].dtype.kind == "M"
    parsed = pd.to_datetime(synthetic["signup"], format="%d %b %Y")
    assert parsed.notna().all()
    assert parsed.min() >= days.min()
    assert parsed.max() <= days.max()


def test_declared_datetime_format_mismatch():
    frame = _mixed_frame()
    frame["signup"] = "2020-12-27"

    with pytest.raises(TableError, match="value '2020-12-27' does not match the declared datetime format '%d %b %Y'"):
        prepare_table(frame, TableSettings(datetime_formats={"signup": "%d %b %Y"}))


def test_unique_text_column_treated_as_key(caplog):
    frame = _mixed_frame()
    numbers = np.random.default_rng(8).choice(100_000, len(frame), replace=False)
    frame["ref"] = [f"REF-{number:05d}-{chr(65 + i % 26)}" for i, number in enumerate(numbers)]

    with caplog.at_level(logging.WARNING):
        synthetic, prepared = _fit_and_sample(frame, TableSettings(), rows=300)

    assert next(spec for spec in prepared.columns if spec.name == "ref").kind == "key"
    assert "treated as a key" in caplog.text
    assert "ref" not in prepared.train.columns
    assert synthetic["ref"].is_unique
    assert not synthetic["ref"].isin(set(frame["ref"])).any()
    assert synthetic["ref"].str.match(r"^REF-\d{5}-[A-Z]$").all()


def test_declared_key_with_duplicates_rejected():
    frame = _mixed_frame()
    frame["id"] = 1

    with pytest.raises(TableError, match="primary_key 'id' is not unique"):
        prepare_table(frame, TableSettings(primary_key="id"))


def test_pii_column_faked():
    frame = _mixed_frame()
    frame["email"] = [f"person{i}@corp.example" for i in range(len(frame))]

    synthetic, prepared = _fit_and_sample(frame, TableSettings(pii={"email": "email"}))

    assert "email" not in prepared.train.columns
    assert synthetic["email"].str.contains("@").all()
    assert not synthetic["email"].isin(set(frame["email"])).any()


def test_unknown_pii_provider_rejected():
    frame = _mixed_frame()
    frame["email"] = "x"

    with pytest.raises(ConfigError, match="unknown Faker provider 'emial'"):
        prepare_table(frame, TableSettings(pii={"email": "emial"}))


def test_stratified_holdout_keeps_class_shares():
    frame = _mixed_frame(rows=1000)
    frame["churn"] = np.where(np.arange(1000) % 10 == 0, "yes", "no")

    prepared = prepare_table(frame, TableSettings(target="churn", holdout_fraction=0.2, seed=3))

    assert len(prepared.holdout) == 200
    assert (prepared.holdout["churn"] == "yes").sum() == 20
    assert "stratified on churn" in prepared.notes[0]
    assert "seed 3" in prepared.notes[0]
