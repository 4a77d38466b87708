"""Writes the partitioned Parquet test trees of parkbench with python-polars, as a data team's
export does (`write_parquet(partition_by=...)`), from the CSV twin beside this script.

    python3 -m pip install polars   # 1.x or later
    python3 tests/data/partitioned/write.py

The trees are committed (tests/it/partitions.rs reads them; they do not need Python):

- `good/tree/activity/province=.../year=.../*.parquet`: every row of `good/csv/activity.csv`
  (its CSV twin), the province from `good/csv/parks.csv` (a value with a space, `inner mongolia`, is percent-encoded in its
  folder's name by the writer, and so are Chinese names), the `province` and `year` columns in
  the folders and (as polars writes them) in the files; two
  parks a file, one row group a park (row groups of three rows), so a park filter skips row
  groups by their statistics.
- `bad/activity/...`, from `bad/rows.csv` (named so as not to be read as activity itself):
  `year=2023/part-0.parquet`, a file whose own `year` column says 2024 in one row
  (a row under the wrong folder); `bad/activity/year=__HIVE_DEFAULT_PARTITION__/...`: the rows of
  a park whose year is missing, as the writer files a null partition value.
"""

from pathlib import Path
import shutil

import polars as pl

HERE = Path(__file__).parent
ROWS_PER_GROUP = 3  # one park's metrics of one year


def good() -> None:
    src = HERE / "good" / "csv"
    parks = pl.read_csv(src / "parks.csv").select("park_id", "province")
    activity = pl.read_csv(src / "activity.csv", schema_overrides={"value": pl.Float64})
    tree = HERE / "good" / "tree" / "activity"
    shutil.rmtree(tree, ignore_errors=True)
    (
        activity.join(parks, on="park_id", how="left")
        .with_columns(pl.col("province").str.replace("_", " "))
        .sort("province", "year", "park_id", "metric")
        .write_parquet(tree, partition_by=["province", "year"], row_group_size=ROWS_PER_GROUP)
    )


def bad() -> None:
    src = HERE / "bad"
    tree = src / "activity"
    shutil.rmtree(tree, ignore_errors=True)
    activity = pl.read_csv(src / "rows.csv", schema_overrides={"value": pl.Float64})
    # The rows of a park with no year: the writer files them under its missing-value folder.
    activity.filter(pl.col("year").is_null()).write_parquet(tree, partition_by="year")
    # A row under the wrong year's folder, the file keeping its own year column.
    wrong = tree / "year=2023"
    wrong.mkdir(parents=True, exist_ok=True)
    activity.filter(pl.col("year").is_not_null()).write_parquet(wrong / "part-0.parquet")


if __name__ == "__main__":
    good()
    bad()
