"""Parquet activity files with column types parkbench cannot read, written by pyarrow as a data
team's tools write them (`python3 make.py`; pyarrow 26.0.1 made the committed files):

- `unread/activity.parquet`: the columns of a long activity file, and two more no check reads:
  `ref`, a UUID (the `arrow.uuid` extension type, as pandas' Period or Interval columns are
  extension types too), and `stamp`, a timestamp in a time zone no time-zone database names
  (`China Standard Time`, as Windows tools write it);
- `read/activity.parquet`: the `period` column itself a timestamp in that time zone.

Each must be an error that names the file (never a crash), with the parks it holds left out.
"""
import pathlib
import uuid

import pyarrow as pa
import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).parent
N = 3


def columns(period):
    return {
        "park_id": pa.array(["p1"] * N),
        "year": pa.array([2024] * N, pa.int64()),
        "metric": pa.array(["electricity_grid"] * N),
        "value": pa.array([1.0, 2.0, 3.0]),
        "unit": pa.array(["MWh"] * N),
        "period": period,
    }


ZONE = pa.timestamp("s", tz="China Standard Time")
months = pa.array(["2024-01", "2024-02", "2024-03"])
unread = columns(months) | {
    "ref": pa.ExtensionArray.from_storage(
        pa.uuid(), pa.array([uuid.UUID(int=i).bytes for i in range(N)], pa.binary(16))),
    "stamp": pa.array([1704067200, 1706745600, 1709251200], ZONE),
}
read = columns(pa.array([1704067200, 1706745600, 1709251200], ZONE))
for name, table in [("unread", unread), ("read", read)]:
    (HERE / name).mkdir(exist_ok=True)
    pq.write_table(pa.table(table), HERE / name / "activity.parquet")
    (HERE / name / "parks.csv").write_text("park_id,name,province\np1,P One,jiangsu\n")
