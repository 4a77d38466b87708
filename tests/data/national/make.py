"""Writes book/national.xlsx with openpyxl: the national-method cases of this folder as an operator's
workbook would hold them (Chinese headers and sheet names, metric names in Chinese where the
vocabulary has them, the evidence column, the certificate ledger as a sheet). Its plain-CSV twin
is this folder's parks.csv, activity.csv and certificates.csv; tests/it/national.rs scores both
and requires the same results.

    python3 make.py        (openpyxl 3.1.5)
"""
import csv
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent

# Contract column -> the Chinese header an operator writes (indicators/columns.toml aliases).
ZH = {
    "park_id": "园区编号", "name": "园区名称", "country": "国家", "province": "省份",
    "sector": "主导产业", "land_area": "占地面积", "land_area_unit": "面积单位",
    "year": "年份", "metric": "指标", "value": "数值", "unit": "单位", "period": "月份",
    "quality": "数据质量", "note": "备注", "evidence": "证据等级",
    "certificate_id": "证书编号", "enterprise_id": "企业编号",
    "generation_period": "发电年月", "mwh": "电量（MWh）", "kind": "证书类型", "retired": "是否注销",
}
# Metrics by their Chinese names (metrics.toml aliases).
METRIC_ZH = {
    "electricity_grid": "电网购电（不含绿电属性）",
    "electricity_green_traded": "绿电交易",
    "raw_coal": "原煤",
    "natural_gas": "天然气",
}
KIND_ZH = {"gec": "绿证", "green_power_trading": "绿电交易", "direct_supply": "直供"}
RETIRED_ZH = {"yes": "是", "no": "否"}


def rows(name):
    with open(HERE / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def number(text):
    x = float(text)
    return int(x) if x.is_integer() else x


def sheet(wb, title, header, records, convert):
    ws = wb.create_sheet(title)
    ws.append([ZH[h] for h in header])
    for r in records:
        ws.append([convert(h, r[h]) for h in header])


def main():
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    parks = rows("parks.csv")
    sheet(wb, "园区", list(parks[0].keys()), parks,
          lambda h, v: number(v) if h == "land_area" else v)
    activity = rows("activity.csv")

    def act(h, v):
        if h in ("year", "value"):
            return number(v)
        if h == "metric":
            return METRIC_ZH.get(v, v)
        if h == "quality":
            return {"measured": "实测", "estimated": "估算"}.get(v, v)
        return v or None

    sheet(wb, "活动数据", list(activity[0].keys()), activity, act)
    ledger = rows("certificates.csv")

    def cert(h, v):
        if h == "mwh":
            return number(v)
        if h == "kind":
            return KIND_ZH[v]
        if h == "retired":
            return RETIRED_ZH[v]
        return v or None

    sheet(wb, "绿证", list(ledger[0].keys()), ledger, cert)
    (HERE / "book").mkdir(exist_ok=True)
    wb.save(HERE / "book" / "national.xlsx")


if __name__ == "__main__":
    main()
