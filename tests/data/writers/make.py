#!/usr/bin/env python3
"""Regenerates the writers corpus: every file under tests/data/writers/ is written here by the
tool it is meant to test (openpyxl, XlsxWriter, pandas, polars, pyarrow, LibreOffice through
make-libreoffice.sh), from one small base dataset, then read back to check that the tool wrote
what cases.toml says.

    pip install openpyxl xlsxwriter pandas polars pyarrow
    apt-get install libreoffice-calc-nogui faketime     # and the de_DE, zh_CN, en_US locales
    python3 tests/data/writers/make.py

The run is pinned to 2024-01-01 00:00:00 with faketime (the script re-runs itself under it), so
the dates that openpyxl, XlsxWriter and LibreOffice put in document properties and ZIP entries
do not change between runs and the files come out byte-identical (openpyxl's worksheet entries,
dated from a temporary file's mtime, are dated the same way: see _pinned_from_file).
"""

import csv
import datetime as dt
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

FROZEN = "2024-01-01 00:00:00"
HERE = Path(__file__).resolve().parent

if "FAKETIME" not in os.environ and shutil.which("faketime") and "--no-faketime" not in sys.argv:
    os.execvp("faketime", ["faketime", "-f", FROZEN, sys.executable, *sys.argv])

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import xlsxwriter  # noqa: E402
from openpyxl.styles import Alignment, Border, Font, Side  # noqa: E402

# openpyxl streams each worksheet through a temporary file and zips it with ZipInfo.from_file,
# which dates the entry by the file's mtime on disk (faketime does not reach stat here). Date
# such entries like the rest of the archive (the frozen now); the bytes inside are untouched.
_from_file = zipfile.ZipInfo.from_file


def _pinned_from_file(*args, **kwargs):
    zi = _from_file(*args, **kwargs)
    zi.date_time = time.localtime(time.time())[:6]
    return zi


zipfile.ZipInfo.from_file = _pinned_from_file

# ---------------------------------------------------------------------------------------------
# The base dataset: three parks, 2022-2023, annual rows and (for wr-js-pv) monthly electricity.
# ---------------------------------------------------------------------------------------------

PARKS_COLUMNS = ["park_id", "name", "country", "province", "sector", "land_area", "land_area_unit"]
PARKS = [
    ["wr-nx-coalchem", "青崖现代煤化工产业园区", "CN", "ningxia", "coal chemicals", 86.5, "km2"],
    ["wr-js-pv", "海岩零碳智造产业园", "CN", "江苏", "PV modules", 32.4, "km2"],
    ["wr-gd-bio", "Nanling Bio-Pharma Park", "CN", "guangdong", "biomedicine", 620, "ha"],
]
PARKS_ZH_COLUMNS = ["园区编号", "园区名称", "国家", "省份", "主导产业", "占地面积", "面积单位"]

# metric -> unit (one unit per metric, so the wide layout has one column per metric)
UNITS = {
    "electricity_grid": "MWh",
    "electricity_onsite_renewable": "MWh",
    "natural_gas": "万m3",
    "raw_coal": "万吨",
    "diesel": "t",
    "heat_purchased": "GJ",
    "water_fresh": "万m3",
    "metering_coverage": "%",
}
METRICS = list(UNITS)
NAME_ZH = {
    "electricity_grid": "电网购电（不含绿电属性）",
    "electricity_onsite_renewable": "园区自发自用可再生电力",
    "natural_gas": "天然气",
    "raw_coal": "原煤",
    "diesel": "柴油",
    "heat_purchased": "外购热力",
    "water_fresh": "新鲜水取用量",
    "metering_coverage": "能源计量器具配备率（分项）",
}
SHARE = {"metering_coverage"}
YEARS = [2022, 2023]

ANNUAL = {
    "wr-nx-coalchem": {
        "raw_coal": (129.28, 132.23),
        "natural_gas": (22762.3, 23158.7),
        "electricity_grid": (807870, 770923),
        "heat_purchased": (1254300, 1310800),
        "water_fresh": (1520.5, 1498.2),
        "metering_coverage": (96, 98),
    },
    "wr-js-pv": {
        "natural_gas": (312.45, 305.1),
        "heat_purchased": (84210, 86020),
        "water_fresh": (86.3, 84.9),
        "metering_coverage": (88, 90),
    },
    "wr-gd-bio": {
        "electricity_grid": (45876, 47123.5),
        "natural_gas": (182.34, 179.03),
        "diesel": (120.5, 98.7),
        "heat_purchased": (62150, 60480),
        "water_fresh": (56.3, 54.8),
        "metering_coverage": (92, 93),
    },
}
GRID_2022 = [9812.5, 9105.0, 10233.8, 10420.1, 10876.4, 11502.9, 12788.3, 12950.0, 11620.7,
             10815.2, 10344.6, 10980.5]
PV_2022 = [1502.3, 1688.0, 2210.4, 2566.9, 2901.2, 2843.5, 3012.8, 3120.6, 2655.1, 2301.7,
           1804.4, 1499.9]
MONTHLY = {
    "wr-js-pv": {
        "electricity_grid": {2022: GRID_2022, 2023: [round(v * 1.03, 1) for v in GRID_2022]},
        "electricity_onsite_renewable": {2022: PV_2022,
                                         2023: [round(v * 1.12, 1) for v in PV_2022]},
    }
}


def clean(v):
    """1.0 -> 1 so that the twins and the cells say 96, not 96.0."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def base_rows(share_unit="%"):
    """The long rows, in the order every layout writes them: park, year, annual rows (metric
    order), then the months."""
    rows = []
    for park, *_ in PARKS:
        for yi, year in enumerate(YEARS):
            for m in METRICS:
                if m in ANNUAL[park]:
                    v = ANNUAL[park][m][yi]
                    unit = UNITS[m]
                    if m in SHARE and share_unit == "fraction":
                        v, unit = round(v / 100, 4), "fraction"
                    rows.append(dict(park_id=park, year=year, period="", metric=m,
                                     value=clean(v), unit=unit))
            for m, by_year in MONTHLY.get(park, {}).items():
                for mi, v in enumerate(by_year[year]):
                    rows.append(dict(park_id=park, year=year, period=f"{year}-{mi + 1:02d}",
                                     metric=m, value=clean(v), unit=UNITS[m]))
    return rows


def wide_rows(rows):
    """The same rows as the wide layout: one row per park, year and period."""
    out, index = [], {}
    for r in rows:
        key = (r["park_id"], r["year"], r["period"])
        if key not in index:
            index[key] = dict(park_id=r["park_id"], year=r["year"], period=r["period"])
            out.append(index[key])
        index[key][r["metric"]] = r["value"]
    return out


WIDE_HEADER = ["park_id", "year", "period"] + [f"{m} [{UNITS[m]}]" for m in METRICS]
LONG_HEADER = ["park_id", "year", "period", "metric", "value", "unit"]
LONG_ZH_HEADER = ["园区编号", "年份", "月份", "指标", "数值", "单位"]


def number_format(v, metric, percent_cells=True):
    """The format an operator gives a value cell: shares as percent, whole numbers with a
    thousands mark, decimals with one or two places."""
    if metric in SHARE and percent_cells:
        return "0%"
    if isinstance(v, int):
        return "#,##0"
    return "#,##0.0#"


def cell_value(v, metric, percent_cells=True):
    """What the cell holds: a percent cell holds the fraction (typing 96 % stores 0.96)."""
    if metric in SHARE and percent_cells:
        return round(v / 100, 6)
    return v


# ---------------------------------------------------------------------------------------------
# Twins: what each writer meant, as plain UTF-8 CSV.
# ---------------------------------------------------------------------------------------------

def write_csv(path, header, rows, encoding="utf-8", delimiter=",", lineterminator="\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if x is None else x for x in r])
    path.write_bytes(buf.getvalue().encode(encoding))


def write_twin(name, parks, rows):
    d = HERE / "twins" / name
    write_csv(d / "parks.csv", PARKS_COLUMNS, parks)
    write_csv(d / "activity.csv", ["park_id", "year", "metric", "value", "unit", "period"],
              [[r["park_id"], r["year"], r["metric"], r["value"], r["unit"], r["period"]]
               for r in rows])


# The ambiguous file's dataset: whole numbers only, each either below 1000 or with exactly one
# group of three digits after the thousands mark (22.762), nothing else telling.
WHOLE_ROWS = []
for _park, _vals in [
    ("wr-nx-coalchem", {"raw_coal": (129, 132), "natural_gas": (22762, 23159),
                        "electricity_grid": (807870, 770923), "water_fresh": (1520, 1498),
                        "metering_coverage": (96, 98)}),
    ("wr-js-pv", {"natural_gas": (312, 305), "water_fresh": (86, 85),
                  "metering_coverage": (88, 90)}),
    ("wr-gd-bio", {"electricity_grid": (45876, 47123), "natural_gas": (182, 179),
                   "heat_purchased": (62150, 60480), "metering_coverage": (92, 93)}),
]:
    for _yi, _year in enumerate(YEARS):
        for _m in METRICS:
            if _m in _vals:
                WHOLE_ROWS.append(dict(park_id=_park, year=_year, period="", metric=_m,
                                       value=_vals[_m][_yi], unit=UNITS[_m]))


# ---------------------------------------------------------------------------------------------
# openpyxl
# ---------------------------------------------------------------------------------------------

def op_book():
    wb = openpyxl.Workbook()
    wb.properties.creator = "parkbench writers corpus"
    return wb


def op_parks(ws, zh=False):
    ws.append(PARKS_ZH_COLUMNS if zh else PARKS_COLUMNS)
    for p in PARKS:
        ws.append(p)


def op_long(ws, rows, percent_cells=True, zh=False, formats=True):
    ws.append(LONG_ZH_HEADER if zh else LONG_HEADER)
    for r in rows:
        metric = NAME_ZH[r["metric"]] if zh else r["metric"]
        ws.append([r["park_id"], r["year"], r["period"] or None, metric,
                   cell_value(r["value"], r["metric"], percent_cells), r["unit"]])
        if formats:
            ws.cell(ws.max_row, 5).number_format = number_format(r["value"], r["metric"],
                                                                 percent_cells)


def op_wide(ws, rows):
    ws.append(WIDE_HEADER)
    for w in wide_rows(rows):
        ws.append([w["park_id"], w["year"], w["period"] or None]
                  + [cell_value(w[m], m) if m in w else None for m in METRICS])
        for ci, m in enumerate(METRICS):
            if m in w:
                ws.cell(ws.max_row, 4 + ci).number_format = number_format(w[m], m)


def save_op(wb, rel):
    p = HERE / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    wb.save(p)
    return p


def long_row_of(rows, park, year, metric, period=""):
    """The sheet row (1-based, header in row 1) of a long row."""
    for i, r in enumerate(rows):
        if (r["park_id"], r["year"], r["metric"], r["period"]) == (park, year, metric, period):
            return i + 2
    raise KeyError((park, year, metric, period))


def wide_row_of(rows, park, year, period=""):
    for i, w in enumerate(wide_rows(rows)):
        if (w["park_id"], w["year"], w["period"]) == (park, year, period):
            return i + 2
    raise KeyError((park, year, period))


def col(metric):
    """The wide layout's column letter of a metric."""
    return openpyxl.utils.get_column_letter(4 + METRICS.index(metric))


# The calculation sheet that formula cells read: monthly gas readings of wr-nx-coalchem (万m3)
# whose sum is the annual figure, and heat in TJ that the activity sheet converts to GJ.
def gas_months(total):
    base = [round(total / 12 + (i - 5.5) * 7.3, 1) for i in range(11)]
    return base + [round(total - sum(base), 1)]


CALC_SHEET = "计算"


def calc_rows(park):
    """(header, rows) of the 计算 sheet: month, gas 2022, gas 2023, heat TJ 2022, heat TJ 2023."""
    g = [gas_months(ANNUAL[park]["natural_gas"][i]) for i in range(2)]
    h = [ANNUAL[park]["heat_purchased"][i] / 1000 for i in range(2)]
    rows = []
    for mi in range(12):
        rows.append([f"{mi + 1}月", g[0][mi], g[1][mi],
                     h[0] if mi == 0 else None, h[1] if mi == 0 else None])
    return ["月份", "天然气2022（万m3）", "天然气2023（万m3）", "外购热力2022（TJ）", "外购热力2023（TJ）"], rows


# Which long-layout cells of the base rows hold formulas, and what they compute.
def formula_cells_long(rows, park="wr-nx-coalchem"):
    out = {}
    for yi, year in enumerate(YEARS):
        gcol = "BC"[yi]
        out[(park, year, "natural_gas")] = f"=SUM({CALC_SHEET}!{gcol}2:{gcol}13)"
        hcol = "DE"[yi]
        out[(park, year, "heat_purchased")] = f"={CALC_SHEET}!{hcol}2*1000"
    return {f"E{long_row_of(rows, *k)}": (f, k) for k, f in out.items()}


def formula_cells_wide(rows, park="wr-nx-coalchem"):
    out = {}
    for yi, year in enumerate(YEARS):
        r = wide_row_of(rows, park, year)
        gcol, hcol = "BC"[yi], "DE"[yi]
        out[f"{col('natural_gas')}{r}"] = (f"=SUM({CALC_SHEET}!{gcol}2:{gcol}13)",
                                           (park, year, "natural_gas"))
        out[f"{col('heat_purchased')}{r}"] = (f"={CALC_SHEET}!{hcol}2*1000",
                                              (park, year, "heat_purchased"))
    return out


def make_openpyxl(cases):
    rows = base_rows()
    v = f"openpyxl {openpyxl.__version__}"

    # plain: no number formats, shares typed as 96 with unit %: the baseline.
    wb = op_book()
    op_parks(wb.active)
    wb.active.title = "parks"
    op_long(wb.create_sheet("activity"), rows, percent_cells=False, formats=False)
    save_op(wb, "openpyxl/plain-long.xlsx")
    cases.append(case("openpyxl-plain-long", ["openpyxl/plain-long.xlsx"], "twins/base", v,
                      "the base dataset in plain cells (96 typed as 96, unit %): the baseline "
                      "every other workbook is compared with"))

    # percent cells, thousands formats
    wb = op_book()
    wb.active.title = "parks"
    op_parks(wb.active)
    op_long(wb.create_sheet("activity"), rows)
    save_op(wb, "openpyxl/percent-long.xlsx")
    cases.append(case("openpyxl-percent-long", ["openpyxl/percent-long.xlsx"], "twins/base", v,
                      "96 % typed into a percent-formatted cell is stored as 0.96 (number format "
                      "0%); the unit column says %; other values carry #,##0 / #,##0.0# formats"))

    wb = op_book()
    wb.active.title = "parks"
    op_parks(wb.active)
    op_wide(wb.create_sheet("activity"), rows)
    save_op(wb, "openpyxl/percent-wide.xlsx")
    cases.append(case("openpyxl-percent-wide", ["openpyxl/percent-wide.xlsx"], "twins/base", v,
                      "wide layout: the metering_coverage [%] column holds percent cells "
                      "(0.96, format 0%)"))

    # percent cell, unit column says fraction
    frows = base_rows(share_unit="fraction")
    wb = op_book()
    wb.active.title = "parks"
    op_parks(wb.active)
    ws = wb.create_sheet("activity")
    ws.append(LONG_HEADER)
    for r in frows:
        ws.append([r["park_id"], r["year"], r["period"] or None, r["metric"], r["value"],
                   r["unit"]])
        ws.cell(ws.max_row, 5).number_format = "0%" if r["metric"] in SHARE else \
            number_format(r["value"], r["metric"])
    save_op(wb, "openpyxl/percent-fraction-unit.xlsx")
    cases.append(case("openpyxl-percent-fraction-unit", ["openpyxl/percent-fraction-unit.xlsx"],
                      "twins/base-fraction", v,
                      "percent cells (0.96 shown as 96%) whose unit column says fraction: 0.96 "
                      "is the fraction, whatever the display"))

    # a percent-formatted cell that holds 96 (shows 9600%): formatted after the number was typed
    wb = op_book()
    wb.active.title = "parks"
    op_parks(wb.active)
    ws = wb.create_sheet("activity")
    op_long(ws, rows, percent_cells=False)
    bad = []
    for i, r in enumerate(rows):
        if r["metric"] in SHARE and r["park_id"] == "wr-nx-coalchem":
            ws.cell(i + 2, 5).number_format = "0%"
            bad.append(f"openpyxl/percent-stored-96.xlsx!activity!E{i + 2}")
    save_op(wb, "openpyxl/percent-stored-96.xlsx")
    cases.append(case("openpyxl-percent-stored-96", ["openpyxl/percent-stored-96.xlsx"],
                      "twins/base", v,
                      "wr-nx-coalchem's shares are the numbers 96 and 98 in cells formatted 0% "
                      "after they were typed: Excel shows 9600 %, the unit column says %; a "
                      "percent cell holds a fraction, so the cell says 96 (9600 %), out of 0..1, "
                      "while the unit says 96 %: the two disagree",
                      expect="error", at=bad, left_out=["wr-nx-coalchem"]))

    # formulas with no computed value
    for layout in ["long", "wide"]:
        wb = op_book()
        wb.active.title = "parks"
        op_parks(wb.active)
        ws = wb.create_sheet("activity")
        if layout == "long":
            op_long(ws, rows)
            cells = {a: f for a, (f, _) in formula_cells_long(rows).items()}
        else:
            op_wide(ws, rows)
            cells = {a: f for a, (f, _) in formula_cells_wide(rows).items()}
        for a, f in cells.items():
            ws[a] = f
        calc = wb.create_sheet(CALC_SHEET)
        h, crow = calc_rows("wr-nx-coalchem")
        calc.append(h)
        for r in crow:
            calc.append(r)
        rel = f"openpyxl/formula-{layout}.xlsx"
        save_op(wb, rel)
        cases.append(case(f"openpyxl-formula-{layout}", [rel], "twins/base", v,
                          "openpyxl writes formulas (=SUM of the 计算 sheet's monthly gas, "
                          "=TJ*1000 for heat) with no cached value (<v/>): nothing computed "
                          "them, so the cells have no number to read",
                          expect="error", at=[f"{rel}!activity!{a}" for a in cells],
                          left_out=["wr-nx-coalchem"]))

    # hidden and very hidden draft sheets with a superseded 2022
    draft = [dict(r, value=clean(round(r["value"] * 0.9, 1))) for r in rows
             if r["year"] == 2022 and not r["period"]]
    for state, name in [("hidden", "hidden-draft"), ("veryHidden", "veryhidden-draft")]:
        wb = op_book()
        wb.active.title = "parks"
        op_parks(wb.active)
        op_long(wb.create_sheet("activity"), rows)
        d = wb.create_sheet("activity_draft")
        op_long(d, draft)
        d.sheet_state = state
        rel = f"openpyxl/{name}.xlsx"
        save_op(wb, rel)
        cases.append(case(f"openpyxl-{name}", [rel], "twins/base", v,
                          f"a {state} sheet activity_draft (sheet_state='{state}') holds a "
                          "superseded 2022 (every annual value 10 % lower): the operator hid it, "
                          "so it is skipped with a warning",
                          warn_at=[f"{rel}!activity_draft"]))

    # empty formatted rows to row 400
    wb = op_book()
    wb.active.title = "parks"
    op_parks(wb.active)
    ws = wb.create_sheet("activity")
    op_long(ws, rows)
    thin = Side(style="thin")
    for r in range(1, 401):
        for c in range(1, 7):
            ws.cell(r, c).border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for r in range(len(rows) + 2, 401):
        ws.cell(r, 5).number_format = "#,##0.0#"
        ws.cell(r, 2).number_format = "0"
    save_op(wb, "openpyxl/used-range-400.xlsx")
    cases.append(case("openpyxl-used-range-400", ["openpyxl/used-range-400.xlsx"], "twins/base",
                      v, "the table is bordered and formatted down to row 400 (dimension "
                      "A1:F400, rows of styled empty cells below the data): empty rows are "
                      "skipped"))

    # park ids merged down over their rows
    wb = op_book()
    wb.active.title = "parks"
    op_parks(wb.active)
    ws = wb.create_sheet("activity")
    op_long(ws, rows)
    start = 2
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i]["park_id"] != rows[start - 2]["park_id"]:
            ws.merge_cells(start_row=start, start_column=1, end_row=i + 1, end_column=1)
            ws.cell(start, 1).alignment = Alignment(vertical="center")
            start = i + 2
    save_op(wb, "openpyxl/merged-park-ids.xlsx")
    cases.append(case("openpyxl-merged-park-ids", ["openpyxl/merged-park-ids.xlsx"],
                      "twins/base", v, "each park id is one merged cell over all its rows "
                      "(A2:A13, A14:A69, ...): only the first cell of a merge holds the value, "
                      "which carries down"))

    # Excel date cells in the period column
    for fmt, name, why in [
        ("yyyy-mm", "period-dates", "the period column holds Excel date cells (the 1st of "
         "each month, number format yyyy-mm), as Excel makes of a typed 2022-01"),
        ('yyyy"年"m"月"', "period-nianyue", "the period column holds date cells shown as "
         "2022年1月 (number format yyyy\"年\"m\"月\"), Chinese headers and metric names"),
    ]:
        zh = name == "period-nianyue"
        wb = op_book()
        wb.active.title = "园区" if zh else "parks"
        op_parks(wb.active, zh=zh)
        ws = wb.create_sheet("活动数据" if zh else "activity")
        op_long(ws, rows, zh=zh)
        for i, r in enumerate(rows):
            if r["period"]:
                y, m = map(int, r["period"].split("-"))
                ws.cell(i + 2, 3).value = dt.datetime(y, m, 1)
                ws.cell(i + 2, 3).number_format = fmt
        rel = f"openpyxl/{name}.xlsx"
        save_op(wb, rel)
        cases.append(case(f"openpyxl-{name}", [rel], "twins/base", v, why))

    # a period typed as a number: 2022.10 is stored as 2022.1
    wb = op_book()
    wb.active.title = "parks"
    op_parks(wb.active)
    ws = wb.create_sheet("activity")
    op_long(ws, rows)
    bad = []
    for i, r in enumerate(rows):
        if r["period"]:
            y, m = map(int, r["period"].split("-"))
            ws.cell(i + 2, 3).value = float(f"{y}.{m:02d}")
            if m == 10:
                bad.append(f"openpyxl/period-number.xlsx!activity!C{i + 2}")
    save_op(wb, "openpyxl/period-number.xlsx")
    cases.append(case("openpyxl-period-number", ["openpyxl/period-number.xlsx"], "twins/base", v,
                      "periods typed as numbers 2022.01 ... 2022.12 into General cells: "
                      "2022.10 is stored (and shown) as 2022.1, which could be January or "
                      "October", expect="error", at=bad, left_out=["wr-js-pv"]))

    # note and signature rows under the table, Chinese sheet and headers
    wb = op_book()
    wb.active.title = "园区"
    op_parks(wb.active, zh=True)
    ws = wb.create_sheet("活动数据")
    op_long(ws, rows, zh=True)
    ws.append([])
    ws.append(["注：数据来源于能源管理平台，2023年数据为初步核算数。"])
    ws.append(["填表人：张三", None, None, "审核人：李四", None, "填报日期：2024年3月"])
    ws.append(["Note: shares are percent of metered consumption."])
    save_op(wb, "openpyxl/notes-signature.xlsx")
    cases.append(case("openpyxl-notes-signature", ["openpyxl/notes-signature.xlsx"],
                      "twins/base", v,
                      "below the table: an empty row, 注：数据来源于能源管理平台…, a signature "
                      "row 填表人：张三 / 审核人：李四 / 填报日期：2024年3月, and Note: ...; they are "
                      "not parks"))

    # merged group headings over a two-row header (metric names, then units)
    wb = op_book()
    wb.active.title = "园区"
    op_parks(wb.active, zh=True)
    ws = wb.create_sheet("活动数据")
    groups = [("能源消费", METRICS[:6]), ("资源与管理", METRICS[6:])]
    ws.append(["园区编号", "年份", "月份"] + [g for g, ms in groups for _ in ms])
    ws.append([None, None, None] + [NAME_ZH[m] for m in METRICS])
    ws.append([None, None, None] + [UNITS[m] for m in METRICS])
    for c in range(1, 4):
        ws.merge_cells(start_row=1, start_column=c, end_row=3, end_column=c)
    c0 = 4
    for g, ms in groups:
        for c in range(c0 + 1, c0 + len(ms)):
            ws.cell(1, c).value = None
        ws.merge_cells(start_row=1, start_column=c0, end_row=1, end_column=c0 + len(ms) - 1)
        ws.cell(1, c0).alignment = Alignment(horizontal="center")
        ws.cell(1, c0).font = Font(bold=True)
        c0 += len(ms)
    for w in wide_rows(rows):
        ws.append([w["park_id"], w["year"], w["period"] or None]
                  + [cell_value(w[m], m) if m in w else None for m in METRICS])
        for ci, m in enumerate(METRICS):
            if m in w:
                ws.cell(ws.max_row, 4 + ci).number_format = number_format(w[m], m)
    save_op(wb, "openpyxl/merged-group-header.xlsx")
    cases.append(case("openpyxl-merged-group-header", ["openpyxl/merged-group-header.xlsx"],
                      "twins/base", v,
                      "wide layout under a three-row header: 能源消费 merged over the six "
                      "carrier columns and 资源与管理 over the other two (row 1), the metrics' "
                      "Chinese names (row 2), their units (row 3); 园区编号/年份/月份 merged "
                      "down over the three rows"))

    # macOS and Excel junk beside a workbook
    wb = op_book()
    wb.active.title = "parks"
    op_parks(wb.active)
    op_long(wb.create_sheet("activity"), rows)
    save_op(wb, "junk/book.xlsx")
    (HERE / "junk/._book.xlsx").write_bytes(apple_double())
    (HERE / "junk/~$book.xlsx").write_bytes(excel_owner_file("张三"))
    (HERE / "junk/.~lock.book.xlsx#").write_bytes(
        "张三,zhangsan-mac,zhangsan,01.01.2024 00:00,file:///Users/zhangsan/Library/"
        "Application%20Support/LibreOffice/4;".encode("utf-8"))
    cases.append(case("junk-beside-workbook", ["junk"], "twins/base", v + " (book.xlsx); "
                      "the other three files laid out by make.py",
                      "a folder with book.xlsx and what Macs and office suites leave beside it: "
                      "._book.xlsx (macOS AppleDouble resource file, not a ZIP), ~$book.xlsx "
                      "(Excel's owner/lock file, 165 bytes) and .~lock.book.xlsx# "
                      "(LibreOffice's lock file): only book.xlsx is data"))
    return rows


def apple_double():
    """The AppleDouble file macOS writes as ._name on a FAT/SMB volume for a file with a
    com.apple.quarantine attribute (AppleDouble v2: a Finder-info entry carrying the extended
    attributes, an empty resource fork). No Linux tool writes these, so the bytes are laid out
    here after the format."""
    attr_name = b"com.apple.quarantine\0"
    attr_value = b"0081;65920000;Safari;"
    entries_off = 26 + 2 * 12
    fi_off, fi_len = entries_off, 3760
    rf_off = fi_off + fi_len
    head = struct.pack(">II16sH", 0x00051607, 0x00020000, b"Mac OS X        ", 2)
    head += struct.pack(">III", 9, fi_off, fi_len) + struct.pack(">III", 2, rf_off, 286)
    finder = bytearray(fi_len)
    # 32 bytes of Finder info, 2 bytes padding, then the "ATTR" header and one attribute
    attr_hdr_off = 34
    data_off = 0x78 + 8  # after the header and one entry, aligned
    hdr = struct.pack(">4sIIIIIII", b"ATTR", 0, fi_off + fi_len, fi_off + data_off,
                      len(attr_value), 0, 0, 1)
    entry = struct.pack(">IIHB", fi_off + data_off, len(attr_value), 0, len(attr_name)) + attr_name
    finder[attr_hdr_off:attr_hdr_off + len(hdr)] = hdr
    finder[attr_hdr_off + len(hdr) + 2:attr_hdr_off + len(hdr) + 2 + len(entry)] = entry
    finder[data_off:data_off + len(attr_value)] = attr_value
    rfork = bytearray(286)
    rfork[0:16] = struct.pack(">IIII", 256, 256, 0, 30)
    rfork[256:256 + 16] = struct.pack(">IIII", 256, 256, 0, 30)
    rfork[256 + 24:256 + 30] = struct.pack(">HHH", 28, 30, 0xFFFF)
    return bytes(head + finder + rfork)


def excel_owner_file(user):
    """Excel's ~$ owner file: the user's name as a length byte and padded ANSI text, then the
    same as UTF-16; 165 bytes (laid out after what Excel writes; no Linux tool writes it)."""
    ansi = user.encode("gb18030")[:53]
    out = bytes([len(user)]) + ansi.ljust(53, b" ")
    u16 = user.encode("utf-16-le")
    out += struct.pack("<H", len(user)) + u16
    return out.ljust(165, b" ")


# ---------------------------------------------------------------------------------------------
# XlsxWriter
# ---------------------------------------------------------------------------------------------

def xw_book(rel):
    p = HERE / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(p))
    wb.set_properties({"author": "parkbench writers corpus",
                       "created": dt.datetime(2024, 1, 1)})
    return wb


class XwFormats:
    def __init__(self, wb):
        self.wb, self.cache = wb, {}

    def __call__(self, code):
        if code not in self.cache:
            self.cache[code] = self.wb.add_format({"num_format": code})
        return self.cache[code]


def xw_parks(wb, name="parks"):
    ws = wb.add_worksheet(name)
    ws.write_row(0, 0, PARKS_COLUMNS)
    for i, p in enumerate(PARKS):
        ws.write_row(i + 1, 0, p)
    return ws


def xw_long(ws, fmt, rows, start=0):
    ws.write_row(start, 0, LONG_HEADER)
    for i, r in enumerate(rows):
        ri = start + i + 1
        ws.write_row(ri, 0, [r["park_id"], r["year"]])
        if r["period"]:
            ws.write_string(ri, 2, r["period"])
        ws.write_string(ri, 3, r["metric"])
        ws.write_number(ri, 4, cell_value(r["value"], r["metric"]),
                        fmt(number_format(r["value"], r["metric"])))
        ws.write_string(ri, 5, r["unit"])


def xw_wide(ws, fmt, rows):
    ws.write_row(0, 0, WIDE_HEADER)
    for i, w in enumerate(wide_rows(rows)):
        ws.write_row(i + 1, 0, [w["park_id"], w["year"]])
        if w["period"]:
            ws.write_string(i + 1, 2, w["period"])
        for ci, m in enumerate(METRICS):
            if m in w:
                ws.write_number(i + 1, 3 + ci, cell_value(w[m], m), fmt(number_format(w[m], m)))


def xw_calc(wb):
    c = wb.add_worksheet(CALC_SHEET)
    h, crow = calc_rows("wr-nx-coalchem")
    c.write_row(0, 0, h)
    for i, r in enumerate(crow):
        for j, x in enumerate(r):
            if x is not None:
                c.write(i + 1, j, x)
    return crow


def make_xlsxwriter(cases, rows):
    v = f"XlsxWriter {xlsxwriter.__version__}"
    for layout in ["long", "wide"]:
        rel = f"xlsxwriter/percent-{layout}.xlsx"
        wb = xw_book(rel)
        fmt = XwFormats(wb)
        xw_parks(wb)
        ws = wb.add_worksheet("activity")
        (xw_long if layout == "long" else xw_wide)(ws, fmt, rows)
        wb.close()
        cases.append(case(f"xlsxwriter-percent-{layout}", [rel], "twins/base", v,
                          f"{layout} layout; 96 % written as 0.96 with num_format 0% and % in the "
                          "unit column" + (" (header)" if layout == "wide" else "")))

    # formulas: cached 0 (or a given value) and fullCalcOnLoad="1"
    for layout, cached in [("long", False), ("wide", False), ("long", True)]:
        name = f"formula-{layout}" + ("-cached" if cached else "")
        rel = f"xlsxwriter/{name}.xlsx"
        wb = xw_book(rel)
        fmt = XwFormats(wb)
        xw_parks(wb)
        ws = wb.add_worksheet("activity")
        (xw_long if layout == "long" else xw_wide)(ws, fmt, rows)
        fc = (formula_cells_long if layout == "long" else formula_cells_wide)(rows)
        cells = {a: (f, ANNUAL[k[0]][k[2]][YEARS.index(k[1])]) for a, (f, k) in fc.items()}
        for a, (f, val) in cells.items():
            code = "#,##0.0#" if isinstance(val, float) else "#,##0"
            if cached:
                ws.write_formula(a, f, fmt(code), val)
            else:
                ws.write_formula(a, f, fmt(code))
        xw_calc(wb)
        wb.close()
        if cached:
            cases.append(case(f"xlsxwriter-{name}", [rel], "twins/base", v,
                              "formulas written with their computed values (write_formula(..., "
                              "value)): the cache holds the right numbers even though the "
                              "workbook asks for a full calculation on load"))
        else:
            cases.append(case(f"xlsxwriter-{name}", [rel], "twins/base", v,
                              "XlsxWriter caches 0 for each formula (<v>0</v>) and sets "
                              "<calcPr fullCalcOnLoad=\"1\"/>: Excel would recalculate, a reader "
                              "of the cache sees 0 natural gas and 0 heat",
                              expect="error", at=[f"{rel}!activity!{a}" for a in cells],
                              left_out=["wr-nx-coalchem"]))

    # hidden draft
    rel = "xlsxwriter/hidden-draft.xlsx"
    wb = xw_book(rel)
    fmt = XwFormats(wb)
    xw_parks(wb)
    xw_long(wb.add_worksheet("activity"), fmt, rows)
    d = wb.add_worksheet("activity_draft")
    xw_long(d, fmt, [dict(r, year=2022, value=clean(round(r["value"] * 0.9, 1))) for r in rows
                     if r["year"] == 2022 and not r["period"]])
    d.hide()
    wb.close()
    cases.append(case("xlsxwriter-hidden-draft", [rel], "twins/base", v,
                      "worksheet.hide() on activity_draft (a superseded 2022): skipped with a "
                      "warning", warn_at=[f"{rel}!activity_draft"]))

    # template formula rows below the data that evaluate to ""
    rel = "xlsxwriter/template-formula-rows.xlsx"
    wb = xw_book(rel)
    fmt = XwFormats(wb)
    xw_parks(wb)
    ws = wb.add_worksheet("activity")
    xw_long(ws, fmt, rows)
    # the template carries the park id down and looks the unit up for every row to 300
    for r in range(len(rows) + 1, 300):
        ws.write_formula(r, 0, f'=IF(D{r + 1}="","",A{r})', None, "")
        ws.write_formula(r, 5, f'=IF(D{r + 1}="","",VLOOKUP(D{r + 1},units!A:B,2,FALSE))',
                         None, "")
    u = wb.add_worksheet("units")
    for i, m in enumerate(METRICS):
        u.write_row(i, 0, [m, UNITS[m]])
    wb.close()
    cases.append(case("xlsxwriter-template-formula-rows", [rel], "twins/base", v,
                      "a template's formula rows below the data, to row 300: park id "
                      "=IF(D70=\"\",\"\",A69) and unit =IF(D70=\"\",\"\",VLOOKUP(...)), "
                      "each with the cached value \"\" (t=\"str\"): rows that evaluate to "
                      "nothing are empty rows"))

    # park ids merged with merge_range
    rel = "xlsxwriter/merged-park-ids.xlsx"
    wb = xw_book(rel)
    fmt = XwFormats(wb)
    xw_parks(wb)
    ws = wb.add_worksheet("activity")
    xw_long(ws, fmt, rows)
    mfmt = wb.add_format({"valign": "vcenter"})
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i]["park_id"] != rows[start]["park_id"]:
            ws.merge_range(start + 1, 0, i, 0, rows[start]["park_id"], mfmt)
            start = i
    wb.close()
    cases.append(case("xlsxwriter-merged-park-ids", [rel], "twins/base", v,
                      "merge_range() over each park's rows: XlsxWriter writes the id in the "
                      "first cell and blank styled cells in the rest"))

    # Excel date cells in the period column
    rel = "xlsxwriter/period-dates.xlsx"
    wb = xw_book(rel)
    fmt = XwFormats(wb)
    xw_parks(wb)
    ws = wb.add_worksheet("activity")
    xw_long(ws, fmt, rows)
    for i, r in enumerate(rows):
        if r["period"]:
            y, m = map(int, r["period"].split("-"))
            ws.write_datetime(i + 1, 2, dt.datetime(y, m, 1), fmt("yyyy/m/d"))
    wb.close()
    cases.append(case("xlsxwriter-period-dates", [rel], "twins/base", v,
                      "period cells are dates (the 1st of each month) shown yyyy/m/d as a "
                      "Chinese Excel shows them: 2022/1/1 is January 2022"))


# ---------------------------------------------------------------------------------------------
# pandas, polars, pyarrow
# ---------------------------------------------------------------------------------------------

def frames(rows):
    parks = pd.DataFrame(PARKS, columns=PARKS_COLUMNS)
    act = pd.DataFrame(rows, columns=LONG_HEADER)
    return parks, act


def make_dataframes(cases, rows):
    pv = f"pandas {pd.__version__}"
    parks, act = frames(rows)
    act_x = act.copy()
    act_x["period"] = act_x["period"].replace("", None)
    act_x["value"] = act_x["value"].astype(float)

    rel = "pandas/to_excel-long.xlsx"
    (HERE / rel).parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(HERE / rel, engine="openpyxl") as xw:
        parks.to_excel(xw, sheet_name="parks", index=False)
        act_x.to_excel(xw, sheet_name="activity", index=False)
    cases.append(case("pandas-to_excel-long", [rel], "twins/base",
                      f"{pv} (engine openpyxl {openpyxl.__version__})",
                      "DataFrame.to_excel(index=False): bold bordered header cells, every value "
                      "a float (807870.0), missing periods as empty cells"))

    rel = "pandas/to_csv-utf8-sig"
    d = HERE / rel
    d.mkdir(parents=True, exist_ok=True)
    parks.to_csv(d / "parks.csv", index=False, encoding="utf-8-sig")
    act_x.to_csv(d / "activity.csv", index=False, encoding="utf-8-sig")
    cases.append(case("pandas-to_csv-utf8-sig", [rel], "twins/base", pv,
                      "to_csv(encoding='utf-8-sig', index=False) after the values became floats: "
                      "a BOM, 807870.0, empty periods"))

    pdir = HERE / "parquet"
    pdir.mkdir(parents=True, exist_ok=True)
    parks.to_csv(pdir / "parks.csv", index=False)

    # pandas: plain object strings, int64, float64 (the baseline)
    act_x.to_parquet(pdir / "pandas-plain.parquet", index=False)
    cases.append(case("pandas-plain-parquet", ["parquet/parks.csv", "parquet/pandas-plain.parquet"],
                      "twins/base", f"{pv} (pyarrow {pa.__version__})",
                      "DataFrame.to_parquet with string columns, year int64, value double, "
                      "period null for annual rows: the Parquet baseline"))

    # pandas: category columns
    a = act_x.copy()
    for c in ["park_id", "metric", "unit", "period"]:
        a[c] = a[c].astype("category")
    a.to_parquet(pdir / "pandas-category.parquet", index=False)
    cases.append(case("pandas-category-parquet", ["parquet/parks.csv",
                                                  "parquet/pandas-category.parquet"],
                      "twins/base", f"{pv} (pyarrow {pa.__version__})",
                      "park_id, metric, unit and period as pandas category columns: Parquet "
                      "dictionary columns; year int64, value double"))

    # pandas: period as datetime64 (month starts), year int32
    a = act_x.copy()
    a["period"] = pd.to_datetime(a["period"], format="%Y-%m")
    a["year"] = a["year"].astype("int32")
    a.to_parquet(pdir / "pandas-period-datetime.parquet", index=False)
    cases.append(case("pandas-period-datetime-parquet", ["parquet/parks.csv",
                                                         "parquet/pandas-period-datetime.parquet"],
                      "twins/base", f"{pv} (pyarrow {pa.__version__})",
                      "period parsed with pd.to_datetime: a timestamp column (the 1st of each "
                      "month, 00:00; null for annual rows); year int32"))

    plv = f"polars {pl.__version__}"
    lf = pl.DataFrame({
        "park_id": [r["park_id"] for r in rows],
        "year": [r["year"] for r in rows],
        "period": [r["period"] or None for r in rows],
        "metric": [r["metric"] for r in rows],
        "value": [float(r["value"]) for r in rows],
        "unit": [r["unit"] for r in rows],
    })
    lf.with_columns(pl.col("park_id", "metric", "unit").cast(pl.Categorical)).write_parquet(
        pdir / "polars-categorical.parquet")
    cases.append(case("polars-categorical-parquet", ["parquet/parks.csv",
                                                     "parquet/polars-categorical.parquet"],
                      "twins/base", plv, "park_id, metric and unit as pl.Categorical "
                      "(dictionary-encoded strings); year int64"))

    enum_m = pl.Enum(METRICS)
    enum_u = pl.Enum(sorted(set(UNITS.values())))
    lf.with_columns(pl.col("metric").cast(enum_m), pl.col("unit").cast(enum_u),
                    pl.col("year").cast(pl.Int16)).write_parquet(pdir / "polars-enum.parquet")
    cases.append(case("polars-enum-parquet", ["parquet/parks.csv", "parquet/polars-enum.parquet"],
                      "twins/base", plv, "metric and unit as pl.Enum, year as Int16"))

    lf.with_columns(
        pl.col("period").str.to_date("%Y-%m").dt.month_end().cast(pl.Datetime("ms")),
    ).write_parquet(pdir / "polars-period-monthend.parquet")
    cases.append(case("polars-period-monthend-parquet",
                      ["parquet/parks.csv", "parquet/polars-period-monthend.parquet"],
                      "twins/base", plv,
                      "period as Datetime(ms) at each month's last day (dt.month_end(): "
                      "2022-01-31 00:00:00), null for annual rows"))

    lf.with_columns(pl.col("value").cast(pl.Float32), pl.col("year").cast(pl.Int32)).write_parquet(
        pdir / "polars-float32.parquet")
    cases.append(case("polars-float32-parquet",
                      ["parquet/parks.csv", "parquet/polars-float32.parquet"], "twins/base", plv,
                      "value cast to Float32 (a common way to halve a file), year Int32: 22762.3 "
                      "is stored as 22762.30078125; the number written is the float32's shortest "
                      "decimal, 22762.3, not its exact binary value"))

    t = pa.table({
        "park_id": pa.array([r["park_id"] for r in rows], pa.string()),
        "year": pa.array([r["year"] for r in rows], pa.int16()),
        "period": pa.array([dt.date(*map(int, r["period"].split("-")), 1) if r["period"]
                            else None for r in rows], pa.date32()),
        "metric": pa.array([r["metric"] for r in rows], pa.string()),
        "value": pa.array([float(r["value"]) for r in rows], pa.float64()),
        "unit": pa.array([r["unit"] for r in rows], pa.string()),
    })
    pq.write_table(t, pdir / "pyarrow-period-date32.parquet")
    cases.append(case("pyarrow-period-date32-parquet",
                      ["parquet/parks.csv", "parquet/pyarrow-period-date32.parquet"],
                      "twins/base", f"pyarrow {pa.__version__}",
                      "period as date32 (the 1st of each month), year int16"))

    from decimal import Decimal
    t2 = t.set_column(4, "value", pa.array([Decimal(str(r["value"])).quantize(Decimal("0.01"))
                                            for r in rows], pa.decimal128(12, 2)))
    t2 = t2.set_column(1, "year", pa.array([r["year"] for r in rows], pa.int64()))
    t2 = t2.set_column(2, "period", pa.array([r["period"] or None for r in rows], pa.string()))
    pq.write_table(t2, pdir / "pyarrow-decimal.parquet", compression="zstd")
    cases.append(case("pyarrow-decimal-parquet",
                      ["parquet/parks.csv", "parquet/pyarrow-decimal.parquet"], "twins/base",
                      f"pyarrow {pa.__version__}",
                      "value as decimal128(12, 2) (as a database export types money and "
                      "quantities), zstd compression"))

    # polars write_excel: an Excel table per sheet, floats formatted #,##0.000
    rel = "polars/write_excel-long.xlsx"
    p = HERE / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(p)) as wb:
        wb.set_properties({"created": dt.datetime(2024, 1, 1)})
        pl.from_pandas(parks).write_excel(workbook=wb, worksheet="parks")
        lf.write_excel(workbook=wb, worksheet="activity")
    cases.append(case("polars-write_excel-long", [rel], "twins/base",
                      f"{plv} (XlsxWriter {xlsxwriter.__version__})",
                      "DataFrame.write_excel into one workbook: each sheet is an Excel table "
                      "(ListObject, banded style, autofilter), floats shown #,##0.000, nulls "
                      "as empty cells"))

    # polars write_csv of dates: ISO dates (month starts)
    rel = "polars/write_csv-dates"
    d = HERE / rel
    d.mkdir(parents=True, exist_ok=True)
    pl.from_pandas(parks).write_csv(d / "parks.csv")
    lf.with_columns(pl.col("period").str.to_date("%Y-%m")).write_csv(d / "activity.csv")
    cases.append(case("polars-write_csv-dates", [rel], "twins/base", plv,
                      "period parsed to pl.Date and written back by write_csv: 2022-01-01 for "
                      "January 2022, values as floats (807870.0)"))


# ---------------------------------------------------------------------------------------------
# Sources for LibreOffice (written to a build folder, converted by make-libreoffice.sh)
# ---------------------------------------------------------------------------------------------

def one_sheet(path, title, fill):
    wb = op_book()
    wb.active.title = title
    fill(wb.active)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def lo_sources(build, rows):
    """Single-sheet workbooks (parks.xlsx, activity.xlsx) that LibreOffice turns into CSV files
    of the same names, one folder per case."""
    def pair(name, fill_act, zh=False):
        one_sheet(build / name / "parks.xlsx", "园区" if zh else "parks",
                  lambda ws: op_parks(ws, zh=zh))
        one_sheet(build / name / "activity.xlsx", "活动数据" if zh else "activity", fill_act)

    pair("csv-base", lambda ws: op_long(ws, rows))

    def three_decimals(ws):
        op_long(ws, rows)
        for i, r in enumerate(rows):
            ws.cell(i + 2, 5).number_format = "0.0%" if r["metric"] in SHARE else "#,##0.000"
    pair("csv-comma", three_decimals)

    def ambiguous(ws):
        op_long(ws, WHOLE_ROWS, percent_cells=False)
    pair("ambiguous", ambiguous)

    def dates(fmt):
        def fill(ws):
            op_long(ws, rows)
            for i, r in enumerate(rows):
                if r["period"]:
                    y, m = map(int, r["period"].split("-"))
                    ws.cell(i + 2, 3).value = dt.datetime(y, m, 1)
                    ws.cell(i + 2, 3).number_format = fmt
        return fill
    pair("dates-slash", dates("yyyy/m/d"))
    pair("dates-nianyue", dates('yyyy"年"m"月"'))
    pair("dates-us", dates("mm-dd-yy"))  # built-in format 14: the system's short date

    def notes(ws):
        op_long(ws, rows, zh=True)
        ws.append([])
        ws.append(["注：数据来源于能源管理平台，2023年数据为初步核算数。"])
        ws.append(["填表人：张三", None, None, "审核人：李四", None, "填报日期：2024年3月"])
    pair("notes", notes, zh=True)


# ---------------------------------------------------------------------------------------------
# cases.toml
# ---------------------------------------------------------------------------------------------

def case(name, data, twin, writer, why, expect="same", at=(), warn_at=(), left_out=()):
    return dict(name=name, data=list(data), twin=twin, expect=expect, at=list(at),
                warn_at=list(warn_at), left_out=list(left_out), writer=writer, why=why)


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_list(xs):
    if not xs:
        return "[]"
    if len(xs) <= 2 and sum(len(x) for x in xs) < 70:
        return "[" + ", ".join(toml_str(x) for x in xs) + "]"
    return "[\n" + "".join(f"    {toml_str(x)},\n" for x in xs) + "]"


def write_cases(cases):
    out = [
        "# The writers corpus: one [[case]] per file (or folder) as a real tool wrote it.",
        "# Generated by make.py; README.md says how to read each field.",
        "#",
        "# name     unique id",
        "# data     paths relative to tests/data/writers, given to `parkbench inventory` /",
        "#          `validate` as DATA (a folder, or files named one by one)",
        "# twin     the plain-CSV folder (parks.csv, activity.csv) holding what the writer meant",
        "# expect   \"same\": the inventory equals the twin's and validate reports no error",
        "#          (warnings allowed); \"error\": validate reports an error at each `at`, and",
        "#          the inventory of the parks not in `left_out` equals the twin's",
        "# at       error locations as parkbench prints them, run from tests/data/writers with",
        "#          the data paths as given (a prefix is enough)",
        "# warn_at  warnings that must be reported (a prefix of the location)",
        "# left_out the parks an error case may leave out (all the others must load)",
        "# writer   the tool and version that wrote the file",
        "# why      what the file holds and why the expectation is what it is",
        "",
    ]
    for c in cases:
        out.append("[[case]]")
        out.append(f"name = {toml_str(c['name'])}")
        out.append(f"data = {toml_list(c['data'])}")
        out.append(f"twin = {toml_str(c['twin'])}")
        out.append(f"expect = {toml_str(c['expect'])}")
        out.append(f"at = {toml_list(c['at'])}")
        out.append(f"warn_at = {toml_list(c['warn_at'])}")
        out.append(f"left_out = {toml_list(c['left_out'])}")
        out.append(f"writer = {toml_str(c['writer'])}")
        out.append(f"why = {toml_str(c['why'])}")
        out.append("")
    (HERE / "cases.toml").write_text("\n".join(out), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The LibreOffice cases (files written by make-libreoffice.sh)
# ---------------------------------------------------------------------------------------------

def lo_version():
    try:
        out = subprocess.run(["soffice", "--version"], capture_output=True, text=True,
                             env=dict(os.environ, LANG="C.UTF-8")).stdout
        return re.search(r"LibreOffice ([0-9.]+)", out).group(1)
    except Exception:  # noqa: BLE001
        return "?"


def libreoffice_cases(rows):
    lv = f"LibreOffice {lo_version()} (Debian libreoffice-calc-nogui)"
    out = []
    for loc in ["de-DE", "zh-CN", "en-US"]:
        w = f"{lv}, {loc} profile"
        for ext, why in [
            ("xlsx", "openpyxl/percent-long.xlsx saved again as .xlsx: percent cells keep 0.96 "
             "with numFmt 0%, #,##0 formats kept"),
            ("xls", "saved as BIFF8 .xls: percent cells are NUMBER records 0.96 with a 0% "
             "FORMAT record"),
            ("ods", "saved as .ods: percent cells are office:value-type=\"percentage\" "
             "office:value=\"0.96\""),
        ]:
            rel = f"libreoffice/{loc}/percent-long.{ext}"
            out.append(case(f"libreoffice-{loc}-{ext}", [rel], "twins/base", w,
                            why + f"; numbers are numbers whatever the {loc} display"))
    out.append(case("libreoffice-de-DE-csv", ["libreoffice/de-DE/csv"], "twins/base",
                    f"{lv}, de-DE profile",
                    "CSV export as shown in de-DE (filter 59,34,76,...): ';' separated, decimal "
                    "commas, '.' thousands marks even on whole numbers (807.870 MWh, "
                    "1.254.300 GJ), shares as 96 % (a no-break space before %); the decimal "
                    "commas tell how to read 807.870"))
    out.append(case("libreoffice-zh-CN-csv-gb18030", ["libreoffice/zh-CN/csv-gb18030"],
                    "twins/base", f"{lv}, zh-CN profile",
                    "CSV export in GB18030 (character set 85) as a Chinese office sends it: "
                    "Chinese names and units in GB18030, \"22,762.3\" quoted because of its "
                    "thousands comma, 96%"))
    out.append(case("libreoffice-en-US-csv", ["libreoffice/en-US/csv"], "twins/base",
                    f"{lv}, en-US profile",
                    "CSV export as shown in en-US: \"807,870\" and \"22,762.3\" quoted "
                    "(thousands commas), 96%"))
    out.append(case("libreoffice-de-DE-csv-comma", ["libreoffice/de-DE/csv-comma"],
                    "twins/base", f"{lv}, de-DE profile",
                    "de-DE CSV with ',' as the separator (filter 44,34,76,...) of cells "
                    "formatted #,##0.000 and 0.0%: every number is quoted, \"22.762,300\", "
                    "\"807.870,000\", \"96,0%\"; the quoting and the three decimals after the "
                    "comma make it plain"))
    first = next(i + 2 for i, r in enumerate(WHOLE_ROWS) if r["value"] >= 1000)
    out.append(case("libreoffice-de-DE-csv-ambiguous", ["libreoffice/de-DE/csv-ambiguous"],
                    "twins/whole", f"{lv}, de-DE profile",
                    "de-DE CSV, ',' separated, of whole numbers formatted #,##0: 807.870, "
                    "22.762, 45.876 and numbers below 1000; no decimal comma, no second "
                    "thousands mark, nothing in the file tells 22.762 (thousands) from 22.762 "
                    "(three decimals). The decimal mark is the file's, so an error at its first "
                    "such number (line 2, the value column) may leave out every park of the file",
                    expect="error", at=[f"libreoffice/de-DE/csv-ambiguous/activity.csv:{first}:5"],
                    left_out=["wr-nx-coalchem", "wr-js-pv", "wr-gd-bio"]))
    out.append(case("libreoffice-zh-CN-csv-dates-slash", ["libreoffice/zh-CN/csv-dates-slash"],
                    "twins/base", f"{lv}, zh-CN profile",
                    "period date cells formatted yyyy/m/d exported as shown: 2022/1/1 ... "
                    "2022/12/1, as a Chinese Excel writes a month typed as a date"))
    out.append(case("libreoffice-zh-CN-csv-dates-nianyue",
                    ["libreoffice/zh-CN/csv-dates-nianyue"], "twins/base",
                    f"{lv}, zh-CN profile",
                    "period date cells formatted yyyy\"年\"m\"月\" exported as shown: 2022年1月"))
    out.append(case("libreoffice-en-US-csv-dates", ["libreoffice/en-US/csv-dates"],
                    "twins/base", f"{lv}, en-US profile",
                    "period date cells in Excel's built-in short-date format (numFmtId 14) "
                    "exported in en-US: 1/1/2022 ... 12/1/2022 (M/D/YYYY); every one is the 1st "
                    "of a month only when read month first, so the months are plain"))
    out.append(case("libreoffice-zh-CN-csv-notes-gb18030",
                    ["libreoffice/zh-CN/csv-notes-gb18030"], "twins/base",
                    f"{lv}, zh-CN profile",
                    "GB18030 CSV of Chinese sheets (园区, 活动数据: Chinese headers and metric "
                    "names) with an empty line, 注：数据来源于能源管理平台… and 填表人：张三,,,审核人："
                    "李四,,填报日期：2024年3月 under the table"))
    fc = {"long": formula_cells_long(rows), "wide": formula_cells_wide(rows)}
    for tool in ["openpyxl", "xlsxwriter"]:
        for layout in ["long", "wide"]:
            name = f"{tool}-formula-{layout}"
            out.append(case(f"libreoffice-recalc-{name}", [f"libreoffice/recalc/{name}.xlsx"],
                            "twins/base", f"{lv}, OOXMLRecalcMode=0 (always recalculate)",
                            f"{tool}/formula-{layout}.xlsx opened, recalculated and saved by "
                            "LibreOffice: each formula has its computed value cached (<v>22762.3"
                            "</v>), no fullCalcOnLoad"))
            rel = f"libreoffice/no-recalc/{name}.xlsx"
            if tool == "openpyxl":
                out.append(case(f"libreoffice-no-recalc-{name}", [rel], "twins/base",
                                f"{lv}, default settings (never recalculate Excel 2007+ files)",
                                "with LibreOffice's default settings: the formulas openpyxl left "
                                "without a value are computed on load, so their values are "
                                "cached"))
            else:
                out.append(case(
                    f"libreoffice-no-recalc-{name}", [rel], "twins/base",
                    f"{lv}, default settings (never recalculate Excel 2007+ files)",
                    "with LibreOffice's default settings XlsxWriter's cached 0s are kept and "
                    "saved as <v>0</v>, and fullCalcOnLoad is dropped: the file now claims "
                    "natural gas and heat of 0 while the formulas sum non-zero cells; the "
                    "stale 0 cannot be told from a real 0 without computing the formula, so "
                    "parkbench reads the 0 and warns at every formula cell that stores 0",
                    expect="warning",
                    at=[f"{rel}!activity!{a}" for a in fc[layout]],
                    left_out=["wr-nx-coalchem"]))
    for d in ["recalc", "no-recalc"]:
        out.append(case(f"libreoffice-{d}-xlsxwriter-template-formula-rows",
                        [f"libreoffice/{d}/xlsxwriter-template-formula-rows.xlsx"],
                        "twins/base", f"{lv}, " + ("OOXMLRecalcMode=0" if d == "recalc"
                                                   else "default settings"),
                        "the template's formula rows to row 300 after LibreOffice saved them: "
                        "formula cells of type str with the cached value \"\""))
    for ext in ["ods", "xls"]:
        rel = f"libreoffice/hidden/hidden-draft.{ext}"
        out.append(case(f"libreoffice-hidden-draft-{ext}", [rel], "twins/base",
                        f"{lv}, en-US profile",
                        "openpyxl/hidden-draft.xlsx saved as ." + ext + ": the hidden "
                        "activity_draft sheet stays hidden (" +
                        ("table:display=\"false\" in its table style" if ext == "ods"
                         else "the BOUNDSHEET record's hidden flag") + ")",
                        warn_at=[f"{rel}!activity_draft"]))
        for name, why in [
            ("merged-park-ids", "park ids merged over their rows (only the first cell of each "
             "merge holds the id)"),
            ("merged-group-header", "the three-row header with 能源消费 / 资源与管理 merged "
             "over the metric columns, names and units below"),
        ]:
            out.append(case(f"libreoffice-{name}-{ext}", [f"libreoffice/merged/{name}.{ext}"],
                            "twins/base", f"{lv}, zh-CN profile",
                            f"openpyxl/{name}.xlsx saved as .{ext}: {why}"))
    out.append(case("libreoffice-percent-fraction-unit-ods",
                    ["libreoffice/en-US/percent-fraction-unit.ods"], "twins/base-fraction",
                    f"{lv}, en-US profile",
                    "percentage cells (office:value=\"0.96\") whose unit column says fraction"))
    return out


# ---------------------------------------------------------------------------------------------
# Reading every file back: does each tool write what cases.toml says?
# ---------------------------------------------------------------------------------------------

def zip_text(path, member):
    with zipfile.ZipFile(path) as z:
        return z.read(member).decode("utf-8")


def sheet_xml(path, sheet_name):
    """The XML of a named sheet of an .xlsx (through workbook.xml and its relationships)."""
    wbx = zip_text(path, "xl/workbook.xml")
    rid = re.search(r'<sheet [^>]*name="' + re.escape(sheet_name) + r'"[^>]*r:id="([^"]+)"',
                    wbx).group(1)
    rels = zip_text(path, "xl/_rels/workbook.xml.rels")
    target = re.search(r'<Relationship [^>]*Id="' + rid + r'"[^>]*Target="([^"]+)"', rels) or \
        re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="' + rid + '"', rels)
    t = target.group(1).lstrip("/")
    return zip_text(path, t if t.startswith("xl/") else "xl/" + t)


def cell_xml(xml, addr):
    m = re.search(r'<c r="' + addr + r'"[^>]*?(/>|>.*?</c>)', xml)
    return m.group(0) if m else ""


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"  ok  {what}", file=sys.stderr)


def lo_read_back(files):
    """LibreOffice's own reading of workbooks: each file's first activity sheet as CSV text
    (en-US, as shown)."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        prof = tmp / "profile"
        for i, f in enumerate(files):
            src = tmp / f"f{i}{Path(f).suffix}"
            shutil.copy(HERE / f, src)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{prof}", "--headless",
                        "--convert-to",
                        "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,"
                        "false,-1", "--outdir", str(tmp / "csv")]
                       + [str(tmp / f"f{i}{Path(f).suffix}") for i, f in enumerate(files)],
                       check=True, capture_output=True, env=dict(os.environ, LANG="C.UTF-8"))
        for i, f in enumerate(files):
            out[f] = {p.stem.split("-", 1)[1]: p.read_text("utf-8")
                      for p in (tmp / "csv").glob(f"f{i}-*.csv")}
    return out


def verify(cases, rows):
    print("verifying what the tools wrote:", file=sys.stderr)
    share_rows = [i + 2 for i, r in enumerate(rows) if r["metric"] in SHARE]
    # percent cells
    for f in ["openpyxl/percent-long.xlsx", "xlsxwriter/percent-long.xlsx",
              "libreoffice/en-US/percent-long.xlsx", "libreoffice/de-DE/percent-long.xlsx"]:
        ws = openpyxl.load_workbook(HERE / f)["activity"]
        c = ws.cell(share_rows[0], 5)
        check(c.number_format.replace("\\\xa0", "") == "0%" and abs(c.value - 0.96) < 1e-12,
              f"{f}: E{share_rows[0]} holds {c.value!r} with number format {c.number_format!r}")
    ws = openpyxl.load_workbook(HERE / "xlsxwriter/percent-wide.xlsx")["activity"]
    c = ws[f"{col('metering_coverage')}2"]
    check(c.number_format == "0%" and c.value == 0.96, "xlsxwriter/percent-wide.xlsx: "
          f"{col('metering_coverage')}2 holds {c.value!r} as {c.number_format!r}")
    for f in ["libreoffice/en-US/percent-long.ods", "libreoffice/de-DE/percent-long.ods"]:
        x = zip_text(HERE / f, "content.xml")
        check('office:value-type="percentage" office:value="0.96"' in x,
              f'{f}: office:value-type="percentage" office:value="0.96"')
    ws = openpyxl.load_workbook(HERE / "openpyxl/percent-stored-96.xlsx")["activity"]
    c = [ws.cell(r, 5) for r in share_rows if ws.cell(r, 5).number_format == "0%"][0]
    check(c.value == 96, f"openpyxl/percent-stored-96.xlsx: {c.coordinate} holds {c.value!r} "
          "formatted 0% (shown 9600%)")
    # formulas
    for tool in ["openpyxl", "xlsxwriter"]:
        for layout, fc in [("long", formula_cells_long(rows)), ("wide", formula_cells_wide(rows))]:
            f = f"{tool}/formula-{layout}.xlsx"
            x = sheet_xml(HERE / f, "activity")
            calc = zip_text(HERE / f, "xl/workbook.xml")
            for a in fc:
                cx = cell_xml(x, a)
                if tool == "xlsxwriter":
                    check("<v>0</v>" in cx, f"{f}!{a}: cached 0: {cx}")
                else:
                    check("<f>" in cx and re.search(r"<v>[^<]", cx) is None,
                          f"{f}!{a}: formula with no cached value: {cx}")
            if tool == "xlsxwriter":
                check('fullCalcOnLoad="1"' in calc, f"{f}: <calcPr fullCalcOnLoad=\"1\"/>")
            for d in ["recalc", "no-recalc"]:
                g = f"libreoffice/{d}/{tool}-formula-{layout}.xlsx"
                gx = sheet_xml(HERE / g, "activity")
                gcalc = zip_text(HERE / g, "xl/workbook.xml")
                check("fullCalcOnLoad" not in gcalc, f"{g}: no fullCalcOnLoad")
                for a, (_, k) in fc.items():
                    want = ANNUAL[k[0]][k[2]][YEARS.index(k[1])]
                    v = float(re.search(r"<v>([^<]*)</v>", cell_xml(gx, a)).group(1))
                    if d == "no-recalc" and tool == "xlsxwriter":
                        check(v == 0, f"{g}!{a}: the stale cached 0 was kept")
                    else:
                        check(abs(v - want) < 1e-6, f"{g}!{a}: cached {v} (= {want})")
    f = "xlsxwriter/formula-long-cached.xlsx"
    a = next(iter(formula_cells_long(rows)))
    check("<v>22762.3</v>" in cell_xml(sheet_xml(HERE / f, "activity"), a),
          f"{f}!{a}: cached 22762.3")
    for f in ["xlsxwriter/template-formula-rows.xlsx",
              "libreoffice/recalc/xlsxwriter-template-formula-rows.xlsx",
              "libreoffice/no-recalc/xlsxwriter-template-formula-rows.xlsx"]:
        cx = cell_xml(sheet_xml(HERE / f, "activity"), f"A{len(rows) + 5}")
        check("<f" in cx and "<v></v>" in cx and ('t="str"' in cx) == f.startswith("libre"),
              f"{f}: A{len(rows) + 5} is a formula with an empty cached value: {cx}")
    # hidden sheets
    for f, state in [("openpyxl/hidden-draft.xlsx", "hidden"),
                     ("openpyxl/veryhidden-draft.xlsx", "veryHidden"),
                     ("xlsxwriter/hidden-draft.xlsx", "hidden")]:
        s = openpyxl.load_workbook(HERE / f)["activity_draft"].sheet_state
        check(s == state, f"{f}: activity_draft is {s}")
    x = zip_text(HERE / "libreoffice/hidden/hidden-draft.ods", "content.xml")
    style = re.search(r'<table:table table:name="activity_draft" table:style-name="([^"]+)"',
                      x).group(1)
    check(re.search(r'style:name="' + style + r'".{0,200}table:display="false"', x) is not None,
          "libreoffice/hidden/hidden-draft.ods: activity_draft's style has table:display=false")
    # used range, merges
    ws = openpyxl.load_workbook(HERE / "openpyxl/used-range-400.xlsx")["activity"]
    check(ws.dimensions == "A1:F400", f"openpyxl/used-range-400.xlsx: dimension {ws.dimensions}")
    for f in ["openpyxl/merged-park-ids.xlsx", "xlsxwriter/merged-park-ids.xlsx"]:
        ws = openpyxl.load_workbook(HERE / f)["activity"]
        check(len(ws.merged_cells.ranges) == 3,
              f"{f}: merged {sorted(str(r) for r in ws.merged_cells.ranges)}")
    ws = openpyxl.load_workbook(HERE / "openpyxl/merged-group-header.xlsx")["活动数据"]
    check("D1:I1" in {str(r) for r in ws.merged_cells.ranges},
          "openpyxl/merged-group-header.xlsx: 能源消费 merged over D1:I1")
    ws = openpyxl.load_workbook(HERE / "openpyxl/period-number.xlsx")["activity"]
    r = next(i + 2 for i, x in enumerate(rows) if x["period"] == "2022-10")
    check(ws.cell(r, 3).value == 2022.1, f"openpyxl/period-number.xlsx: C{r} holds "
          f"{ws.cell(r, 3).value!r}")
    ws = openpyxl.load_workbook(HERE / "xlsxwriter/period-dates.xlsx")["activity"]
    r = next(i + 2 for i, x in enumerate(rows) if x["period"] == "2022-01")
    check(ws.cell(r, 3).is_date and ws.cell(r, 3).number_format == "yyyy/m/d",
          f"xlsxwriter/period-dates.xlsx: C{r} is the date {ws.cell(r, 3).value} as yyyy/m/d")
    # CSV exports
    de = (HERE / "libreoffice/de-DE/csv/activity.csv").read_text("utf-8")
    check(de.startswith("park_id;year;") and ";22.762,3;" in de and ";807.870;" in de
          and ";1.254.300;" in de and ";96\u00a0%;" in de,
          "libreoffice/de-DE/csv/activity.csv: ';', 22.762,3, 807.870, 1.254.300, 96\\u00a0%")
    cc = (HERE / "libreoffice/de-DE/csv-comma/activity.csv").read_text("utf-8")
    check(',"22.762,300",' in cc and ',"96,0%",' in cc,
          'libreoffice/de-DE/csv-comma/activity.csv: ,"22.762,300", and ,"96,0%",')
    amb = list(csv.reader(io.StringIO(
        (HERE / "libreoffice/de-DE/csv-ambiguous/activity.csv").read_text("utf-8"))))
    vals = [r[4] for r in amb[1:]]
    check(all(re.fullmatch(r"\d{1,3}(\.\d{3})?", v) for v in vals) and
          any("." in v for v in vals),
          f"libreoffice/de-DE/csv-ambiguous/activity.csv: values {vals[:6]}...")
    gb = (HERE / "libreoffice/zh-CN/csv-gb18030/parks.csv").read_bytes()
    try:
        gb.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    check(not utf8 and "海岩零碳智造产业园" in gb.decode("gb18030"),
          "libreoffice/zh-CN/csv-gb18030/parks.csv is GB18030, not UTF-8")
    for f, s in [("libreoffice/zh-CN/csv-dates-slash/activity.csv", ",2022/1/1,"),
                 ("libreoffice/zh-CN/csv-dates-nianyue/activity.csv", ",2022年1月,"),
                 ("libreoffice/en-US/csv-dates/activity.csv", ",12/1/2022,"),
                 ("libreoffice/en-US/csv/activity.csv", ',"807,870",'),
                 ("polars/write_csv-dates/activity.csv", ",2022-01-01,")]:
        check(s in (HERE / f).read_text("utf-8"), f"{f}: holds {s}")
    notes = (HERE / "libreoffice/zh-CN/csv-notes-gb18030/activity.csv").read_bytes()
    check("填表人：张三" in notes.decode("gb18030"),
          "libreoffice/zh-CN/csv-notes-gb18030/activity.csv: GB18030 with 填表人：张三")
    # Parquet types
    for f, column, want in [
        ("parquet/pandas-category.parquet", "metric", "dictionary<values=string"),
        ("parquet/pandas-period-datetime.parquet", "period", "timestamp"),
        ("parquet/pandas-period-datetime.parquet", "year", "int32"),
        ("parquet/polars-categorical.parquet", "metric", "dictionary<values=string"),
        ("parquet/polars-enum.parquet", "year", "int16"),
        ("parquet/polars-period-monthend.parquet", "period", "timestamp[ms]"),
        ("parquet/polars-float32.parquet", "value", "float"),
        ("parquet/polars-float32.parquet", "year", "int32"),
        ("parquet/pyarrow-period-date32.parquet", "period", "date32"),
        ("parquet/pyarrow-decimal.parquet", "value", "decimal128(12, 2)"),
    ]:
        t = str(pq.read_schema(HERE / f).field(column).type)
        check(t.startswith(want), f"{f}: {column} is {t}")
    d = pq.read_table(HERE / "parquet/polars-period-monthend.parquet").column("period")
    check(str(d.drop_null()[0]).startswith("2022-01-31"),
          f"parquet/polars-period-monthend.parquet: first period {d.drop_null()[0]}")
    with zipfile.ZipFile(HERE / "polars/write_excel-long.xlsx") as z:
        check(any(n.startswith("xl/tables/") for n in z.namelist()),
              "polars/write_excel-long.xlsx: sheets written as Excel tables")
    check((HERE / "junk/._book.xlsx").read_bytes()[:4] == b"\x00\x05\x16\x07",
          "junk/._book.xlsx: AppleDouble magic 00 05 16 07")
    # LibreOffice's own reading of the .xls files
    xls = ["libreoffice/de-DE/percent-long.xls", "libreoffice/hidden/hidden-draft.xls",
           "libreoffice/merged/merged-park-ids.xls"]
    back = lo_read_back(xls)
    check(re.search(",96\u00a0?%,", back[xls[0]]["activity"]) is not None,
          f"{xls[0]}: LibreOffice reads the share back as a percent cell (96\\u00a0%)")
    check("activity_draft" in back[xls[1]], f"{xls[1]}: has the sheet activity_draft")
    # every case's files exist
    for c in cases:
        for d in c["data"]:
            check((HERE / d).exists(), f"{c['name']}: {d} exists")


def main():
    for d in ["openpyxl", "xlsxwriter", "pandas", "polars", "parquet", "libreoffice", "junk",
              "twins"]:
        shutil.rmtree(HERE / d, ignore_errors=True)
    rows = base_rows()
    write_twin("base", PARKS, rows)
    write_twin("base-fraction", PARKS, base_rows(share_unit="fraction"))
    write_twin("whole", PARKS, WHOLE_ROWS)
    cases = []
    make_openpyxl(cases)
    make_xlsxwriter(cases, rows)
    make_dataframes(cases, rows)
    with tempfile.TemporaryDirectory(prefix="writers-build-") as build:
        build = Path(build)
        lo_sources(build, rows)
        if "--no-libreoffice" not in sys.argv:
            env = dict(os.environ, BUILD=str(build), OUT=str(HERE))
            subprocess.run(["bash", str(HERE / "make-libreoffice.sh")], check=True, env=env)
    cases += libreoffice_cases(rows)
    write_cases(cases)
    verify(cases, rows)
    print(f"{len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
