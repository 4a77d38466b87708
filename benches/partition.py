"""Converts a dataset folder written by the synth generator (`parks.csv` + `activity.csv`) into a
hive-partitioned Parquet tree, as a data team's export is: `OUT/activity/province=.../year=.../`,
written by python-polars' `write_parquet(partition_by=...)`, with `parks.csv` beside it. For the
README's figure of `parkbench inventory` on a partitioned tree with and without `--year`.

    cargo run --release --example synth -- --parks 2000 --years 5 --monthly --out /tmp/prog
    python3 benches/partition.py /tmp/prog /tmp/prog-tree
    /usr/bin/time -v parkbench inventory /tmp/prog-tree --format csv > /dev/null
    /usr/bin/time -v parkbench inventory /tmp/prog-tree --format csv --year 2024 > /dev/null
"""

import shutil
import sys
from pathlib import Path

import polars as pl


def main(src: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copy(src / "parks.csv", out / "parks.csv")
    parks = pl.read_csv(src / "parks.csv", infer_schema=False).select("park_id", "province")
    activity = pl.read_csv(src / "activity.csv", infer_schema=False).with_columns(
        pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64, strict=False)
    )
    (
        activity.join(parks, on="park_id", how="left")
        .sort("province", "year", "park_id", maintain_order=True)
        .write_parquet(out / "activity", partition_by=["province", "year"])
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
