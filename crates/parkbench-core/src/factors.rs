//! Factor tables: standard-coal coefficients, fuel CO2 factors, grid electricity factors
//! (MEE for China, Ember/OWID elsewhere), heat and electricity conversion factors.
//!
//! Owns the look-up rules and their fallbacks (province, else regional grid, else national;
//! latest published year not after the data year, else the earliest), and records every factor
//! it hands out as a [`FactorUse`] so a report can show how each number was made. It does not
//! know about parks or benchmark sets.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::i18n::Text;
use crate::reference::{ReferenceError, read_text};
use crate::world::Folder;

/// A factor as it was used: value, unit, where it comes from and how solid it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorUse {
    /// What it converts, e.g. "grid electricity CO2 (jiangsu)" (serialised in English).
    #[serde(serialize_with = "crate::i18n::english")]
    pub factor: Text,
    pub value: f64,
    pub unit: String,
    pub source: String,
    /// Year the value applies to, when it has one.
    pub vintage: Option<i32>,
    /// confirmed | secondary | unconfirmed | transcribed | background
    pub status: String,
}

/// Which fuel factor table to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FuelFactorSet {
    /// China's GB/T 2589 coefficients and national accounting-guideline CO2 factors.
    Cn,
    /// IPCC 2006 default CO2 factors (tce still from GB/T 2589).
    Ipcc2006,
}

impl FuelFactorSet {
    /// Every table, in the order they are offered.
    pub const ALL: [FuelFactorSet; 2] = [FuelFactorSet::Cn, FuelFactorSet::Ipcc2006];

    /// The table of a key (`cn`, `ipcc2006`).
    pub fn from_key(key: &str) -> Option<FuelFactorSet> {
        FuelFactorSet::ALL.into_iter().find(|f| f.key() == key)
    }

    pub fn key(self) -> &'static str {
        match self {
            FuelFactorSet::Cn => "cn",
            FuelFactorSet::Ipcc2006 => "ipcc2006",
        }
    }
}

/// Which grid factor the market-based scope 2 uses for grid electricity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GridVariant {
    /// The published average factor (province, region or national).
    #[default]
    Average,
    /// The national factor that excludes market-traded non-fossil power (avoids counting
    /// purchased green electricity twice).
    ExclMarketNonfossil,
    /// The national factor of fossil power alone (MEE/NBS): what the national zero-carbon park
    /// method counts for grid power not proven green (附件4 of 发改环资〔2025〕910号, as
    /// secondary sources read it).
    FossilOnly,
}

/// Electricity to tce basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ElectricityBasis {
    /// Calorific equivalent value, 0.1229 kgce/kWh (GB/T 2589).
    #[default]
    Equivalent,
    /// Coal rate of thermal generation (about 0.30 kgce/kWh).
    Generation,
}

#[derive(Debug, Clone)]
struct FuelRow {
    unit: String,
    kgce_per_unit: Option<f64>,
    kgco2_per_unit: Option<f64>,
    status: String,
    kgce_source: Option<String>,
    co2_source: Option<String>,
}

#[derive(Debug, Clone)]
struct GridRow {
    level: String,
    key: String,
    name_zh: String,
    grid_region: String,
    year: i32,
    kgco2_per_kwh: f64,
    status: String,
    source: Option<String>,
}

#[derive(Debug, Clone)]
struct OtherRow {
    value: f64,
    unit: String,
    source: String,
    status: String,
}

/// A fuel's factors for one inventory line.
#[derive(Debug, Clone)]
pub struct FuelFactors {
    /// The unit the factors are per (kg or m3).
    pub unit: String,
    pub kgce: FactorUse,
    /// None when no table has a CO2 factor for the fuel.
    pub kgco2: Option<FactorUse>,
    pub assumptions: Vec<Text>,
}

/// A grid factor with the assumptions made to find it.
#[derive(Debug, Clone)]
pub struct GridFactor {
    pub factor: FactorUse,
    /// tCO2 per MWh.
    pub t_per_mwh: f64,
    pub assumptions: Vec<Text>,
}

/// All factor tables.
#[derive(Debug, Clone)]
pub struct Factors {
    fuels: BTreeMap<(String, String), FuelRow>,
    fuel_sources: BTreeMap<String, String>,
    grid: Vec<GridRow>,
    grid_source: String,
    ember: BTreeMap<String, Vec<(i32, f64)>>,
    ember_source: String,
    countries: BTreeMap<String, (String, String)>,
    other: BTreeMap<String, OtherRow>,
}

/// A CSV reference table: its `#` comment header and its rows as maps.
struct Table {
    file: String,
    comments: Vec<String>,
    rows: Vec<BTreeMap<String, String>>,
}

fn read_table(rel: &str, dir: Option<Folder<'_>>) -> Result<Table, ReferenceError> {
    let (file, text) = read_text(rel, dir)?;
    let comments: Vec<String> = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .collect();
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| ReferenceError::Parse {
            file: file.clone(),
            message: e.to_string(),
        })?
        .clone();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ReferenceError::Parse {
            file: file.clone(),
            message: e.to_string(),
        })?;
        rows.push(
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.trim().to_string()))
                .collect(),
        );
    }
    Ok(Table {
        file,
        comments,
        rows,
    })
}

impl Table {
    fn get<'a>(
        &self,
        row: &'a BTreeMap<String, String>,
        col: &str,
    ) -> Result<&'a str, ReferenceError> {
        row.get(col)
            .map(String::as_str)
            .ok_or_else(|| ReferenceError::Parse {
                file: self.file.clone(),
                message: format!("missing column {col}"),
            })
    }

    fn num(
        &self,
        row: &BTreeMap<String, String>,
        col: &str,
    ) -> Result<Option<f64>, ReferenceError> {
        let s = self.get(row, col)?;
        if s.is_empty() {
            return Ok(None);
        }
        s.parse().map(Some).map_err(|_| ReferenceError::Parse {
            file: self.file.clone(),
            message: format!("column {col}: \"{s}\" is not a number"),
        })
    }

    /// The comment lines that name sources, joined.
    fn source_note(&self) -> String {
        self.comments
            .iter()
            .filter(|c| c.contains("ource"))
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Factors {
    /// Loads the shipped tables, each replaced by `dir/<name>` when that file exists.
    pub fn load(dir: Option<Folder<'_>>) -> Result<Self, ReferenceError> {
        let t = read_table("factors/fuel-factors.csv", dir)?;
        let mut fuels = BTreeMap::new();
        let mut fuel_sources = BTreeMap::new();
        for r in &t.rows {
            let set = t.get(r, "factor_set")?.to_string();
            let fuel = t.get(r, "fuel")?.to_string();
            let source = r.get("source").cloned().unwrap_or_else(|| {
                t.comments
                    .iter()
                    .filter(|c| c.contains(&format!("'{set}'")))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            fuel_sources.entry(set.clone()).or_insert(source);
            fuels.insert(
                (set, fuel),
                FuelRow {
                    unit: t.get(r, "unit")?.to_string(),
                    kgce_per_unit: t.num(r, "kgce_per_unit")?,
                    kgco2_per_unit: t.num(r, "kgco2_per_unit")?,
                    status: t.get(r, "status")?.to_string(),
                    kgce_source: r.get("kgce_source").filter(|s| !s.is_empty()).cloned(),
                    co2_source: r.get("co2_source").filter(|s| !s.is_empty()).cloned(),
                },
            );
        }

        let g = read_table("factors/grid-factors-cn.csv", dir)?;
        let grid_source = g.source_note();
        let mut grid = Vec::new();
        for r in &g.rows {
            grid.push(GridRow {
                level: g.get(r, "level")?.to_string(),
                key: g.get(r, "key")?.to_string(),
                name_zh: g.get(r, "name_zh")?.to_string(),
                grid_region: g.get(r, "grid_region")?.to_string(),
                year: g.num(r, "year")?.unwrap_or_default() as i32,
                kgco2_per_kwh: g.num(r, "kgco2_per_kwh")?.unwrap_or_default(),
                status: g.get(r, "status")?.to_string(),
                source: r.get("source").filter(|s| !s.is_empty()).cloned(),
            });
        }

        let e = read_table("factors/grid-intensity-ember-owid.csv", dir)?;
        let ember_source = e.source_note();
        let mut ember: BTreeMap<String, Vec<(i32, f64)>> = BTreeMap::new();
        for r in &e.rows {
            if let Some(v) = e.num(r, "gco2_per_kwh")? {
                ember
                    .entry(e.get(r, "country")?.to_string())
                    .or_default()
                    .push((e.num(r, "year")?.unwrap_or_default() as i32, v));
            }
        }
        for v in ember.values_mut() {
            v.sort_by_key(|p| p.0);
        }

        let c = read_table("factors/countries.csv", dir)?;
        let mut countries = BTreeMap::new();
        for r in &c.rows {
            countries.insert(
                c.get(r, "alpha2")?.to_uppercase(),
                (
                    c.get(r, "name_en")?.to_string(),
                    c.get(r, "ember_name")?.to_string(),
                ),
            );
        }

        let o = read_table("factors/other-factors.csv", dir)?;
        let mut other = BTreeMap::new();
        for r in &o.rows {
            other.insert(
                o.get(r, "id")?.to_string(),
                OtherRow {
                    value: o.num(r, "value")?.unwrap_or_default(),
                    unit: o.get(r, "unit")?.to_string(),
                    source: o.get(r, "source")?.to_string(),
                    status: o.get(r, "status")?.to_string(),
                },
            );
        }
        Ok(Factors {
            fuels,
            fuel_sources,
            grid,
            grid_source,
            ember,
            ember_source,
            countries,
            other,
        })
    }

    /// A scalar factor of `other-factors.csv`.
    pub fn other(&self, id: &str) -> Option<FactorUse> {
        self.other.get(id).map(|o| FactorUse {
            factor: Text::verbatim(id),
            value: o.value,
            unit: o.unit.clone(),
            source: o.source.clone(),
            vintage: None,
            status: o.status.clone(),
        })
    }

    /// Like [`Factors::other`], for factors the accounting cannot do without.
    pub fn required(&self, id: &str) -> Result<FactorUse, ReferenceError> {
        self.other(id).ok_or_else(|| ReferenceError::Missing {
            file: format!("factors/other-factors.csv: factor {id}"),
        })
    }

    /// Is `code` an ISO 3166-1 alpha-2 code of the table?
    pub fn is_country(&self, code: &str) -> bool {
        self.countries.contains_key(&code.to_uppercase())
    }

    /// Resolves a province as written (`jiangsu`, `Jiangsu`, `江苏`, `江苏省`) to its key.
    pub fn province_key(&self, written: &str) -> Option<String> {
        let w = written.trim();
        if w.is_empty() {
            return None;
        }
        let lower = w.to_lowercase().replace([' ', '-'], "_");
        let stripped = [
            "壮族自治区",
            "回族自治区",
            "维吾尔自治区",
            "自治区",
            "省",
            "市",
        ]
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .unwrap_or(w);
        self.grid
            .iter()
            .filter(|r| r.level == "province")
            .find(|r| r.key == lower || r.name_zh == w || r.name_zh == stripped)
            .map(|r| r.key.clone())
    }

    /// A province's English name from its key: the pinyin key as a proper name
    /// (`inner_mongolia` → `Inner Mongolia`).
    pub fn province_name_en(key: &str) -> String {
        key.split('_')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A province's Chinese name (`jiangsu` -> 江苏), for pages in Chinese.
    pub fn province_name_zh(&self, key: &str) -> Option<&str> {
        self.grid
            .iter()
            .find(|r| r.level == "province" && r.key == key)
            .map(|r| r.name_zh.as_str())
    }

    /// Province keys, for hints.
    pub fn province_keys(&self) -> Vec<&str> {
        let mut k: Vec<&str> = self
            .grid
            .iter()
            .filter(|r| r.level == "province")
            .map(|r| r.key.as_str())
            .collect();
        k.dedup();
        k
    }

    /// The regional grid keys.
    pub fn is_grid_region(&self, key: &str) -> bool {
        self.grid
            .iter()
            .any(|r| r.level == "region" && r.key == key)
    }

    /// Conversion of electricity to tce, in tce/MWh.
    pub fn electricity_tce(&self, basis: ElectricityBasis) -> Result<FactorUse, ReferenceError> {
        self.required(match basis {
            ElectricityBasis::Equivalent => "electricity_tce_equivalent",
            ElectricityBasis::Generation => "electricity_tce_generation",
        })
    }

    /// Standard-coal and CO2 factors of a fuel.
    pub fn fuel(
        &self,
        set: FuelFactorSet,
        fuel: &str,
        vocab: &crate::reference::Vocabulary,
    ) -> Option<FuelFactors> {
        let cn = self.fuels.get(&("cn".to_string(), fuel.to_string()))?;
        let cn_source = self.fuel_sources.get("cn").cloned().unwrap_or_default();
        let mut assumptions = Vec::new();
        let kgce = FactorUse {
            factor: t!("factor.tce", fuel = vocab.metric_text(fuel)),
            value: cn.kgce_per_unit?,
            unit: format!("kgce/{}", cn.unit),
            source: cn.kgce_source.clone().unwrap_or_else(|| cn_source.clone()),
            vintage: None,
            status: cn.status.clone(),
        };
        let cn_co2 = cn.kgco2_per_unit.map(|v| FactorUse {
            factor: t!(
                "factor.co2",
                fuel = vocab.metric_text(fuel),
                table = crate::i18n::Text::new("factor.table_cn")
            ),
            value: v,
            unit: format!("kgCO2/{}", cn.unit),
            source: cn.co2_source.clone().unwrap_or_else(|| cn_source.clone()),
            vintage: None,
            status: cn.status.clone(),
        });
        let mut kgco2 = cn_co2.clone();
        if set == FuelFactorSet::Ipcc2006 {
            match self.fuels.get(&("ipcc2006".to_string(), fuel.to_string())) {
                Some(ip) if ip.unit == cn.unit && ip.kgco2_per_unit.is_some() => {
                    kgco2 = Some(FactorUse {
                        factor: t!(
                            "factor.co2",
                            fuel = vocab.metric_text(fuel),
                            table = crate::i18n::Text::new("factor.table_ipcc2006")
                        ),
                        value: ip.kgco2_per_unit.unwrap_or_default(),
                        unit: format!("kgCO2/{}", ip.unit),
                        source: ip.co2_source.clone().unwrap_or_else(|| {
                            self.fuel_sources
                                .get("ipcc2006")
                                .cloned()
                                .unwrap_or_default()
                        }),
                        vintage: None,
                        status: ip.status.clone(),
                    });
                }
                Some(ip) => assumptions.push(t!(
                    "assumption.ipcc_unit",
                    fuel = vocab.metric_text(fuel),
                    ipcc_unit = &ip.unit,
                    unit = &cn.unit
                )),
                None => assumptions.push(t!("assumption.no_ipcc", fuel = vocab.metric_text(fuel))),
            }
        }
        if kgco2.is_none()
            && let Some(f) = self.other(&format!("{fuel}_co2_t_per_t"))
        {
            assumptions.push(t!(
                "assumption.fallback_co2",
                fuel = vocab.metric_text(fuel),
                value = f.value,
                unit = &f.unit,
                source = &f.source
            ));
            kgco2 = Some(FactorUse {
                factor: t!(
                    "factor.co2",
                    fuel = vocab.metric_text(fuel),
                    table = crate::i18n::Text::new("factor.table_fallback")
                ),
                unit: format!("kgCO2/{}", cn.unit),
                ..f
            });
        }
        Some(FuelFactors {
            unit: cn.unit.clone(),
            kgce,
            kgco2,
            assumptions,
        })
    }

    /// The grid factor for a park: China by province, else regional grid, else national; other
    /// countries from Ember/OWID. Years: latest published not after `year`, else the earliest.
    pub fn grid(
        &self,
        country: &str,
        province: Option<&str>,
        grid_region: Option<&str>,
        year: i32,
        variant: GridVariant,
    ) -> Option<GridFactor> {
        let mut assumptions = Vec::new();
        if !country.eq_ignore_ascii_case("CN") && !country.is_empty() {
            let mut g = self.grid_ember(country, year)?;
            // The set's reading names China's factors: say that another country's average
            // stands in for it.
            if variant != GridVariant::Average {
                g.assumptions
                    .push(t!("assumption.grid_variant_china_only", country = country));
            }
            return Some(g);
        }
        if country.is_empty() {
            assumptions.push(t!("assumption.country_cn"));
        }
        let rows_for = |level: &str, key: &str| -> Vec<&GridRow> {
            self.grid
                .iter()
                .filter(|r| r.level == level && r.key == key)
                .collect()
        };
        let (level_rows, what) = if variant == GridVariant::ExclMarketNonfossil {
            assumptions.push(t!("assumption.market_national"));
            (
                rows_for("national", "national_excl_market_nonfossil"),
                "national, excluding market non-fossil".to_string(),
            )
        } else if variant == GridVariant::FossilOnly {
            assumptions.push(t!("assumption.fossil_power_national"));
            (
                rows_for("national", "national_fossil_only"),
                "national fossil power".to_string(),
            )
        } else {
            self.local_grid_rows(province, grid_region, &mut assumptions)
        };
        let (row, note) = pick_year(&level_rows, |r| r.year, year)?;
        let what = Text::both(what, &row.name_zh);
        if let Some(n) = note {
            assumptions.push(t!("assumption.grid_year", region = what.clone(), note = n));
        }
        Some(GridFactor {
            t_per_mwh: row.kgco2_per_kwh,
            factor: FactorUse {
                factor: t!("factor.grid", region = what),
                value: row.kgco2_per_kwh,
                unit: "tCO2/MWh".into(),
                source: row
                    .source
                    .clone()
                    .unwrap_or_else(|| self.grid_source.clone()),
                vintage: Some(row.year),
                status: row.status.clone(),
            },
            assumptions,
        })
    }

    /// The rows of a Chinese park's grid at its average: its province's, else its regional
    /// grid's (named, or its province's), else the national average, each step said.
    fn local_grid_rows(
        &self,
        province: Option<&str>,
        grid_region: Option<&str>,
        assumptions: &mut Vec<Text>,
    ) -> (Vec<&GridRow>, String) {
        let rows_for = |level: &str, key: &str| -> Vec<&GridRow> {
            self.grid
                .iter()
                .filter(|r| r.level == level && r.key == key)
                .collect()
        };
        let province_rows = province
            .map(|p| rows_for("province", p))
            .unwrap_or_default();
        if !province_rows.is_empty() {
            return (province_rows, province.unwrap_or_default().to_string());
        }
        let region = grid_region.map(str::to_string).or_else(|| {
            province.and_then(|p| {
                self.grid
                    .iter()
                    .find(|r| r.level == "province" && r.key == p)
                    .map(|r| r.grid_region.clone())
            })
        });
        let region_rows = region
            .as_deref()
            .map(|r| rows_for("region", r))
            .unwrap_or_default();
        let region_name = || {
            let r = region.as_deref().unwrap_or_default();
            Text::both(r, region_rows.first().map_or(r, |row| row.name_zh.as_str()))
        };
        match (province, region.as_deref()) {
            (Some(p), _) if !region_rows.is_empty() => assumptions.push(t!(
                "assumption.region_for_province",
                province = p,
                region = region_name()
            )),
            (None, Some(_)) if !region_rows.is_empty() => {
                assumptions.push(t!("assumption.region_no_province", region = region_name()))
            }
            _ => {}
        }
        if !region_rows.is_empty() {
            return (region_rows, region.unwrap_or_default());
        }
        assumptions.push(match province {
            Some(p) => t!("assumption.national_for_province", province = p),
            None => t!("assumption.national_no_province"),
        });
        (
            rows_for("national", "national_average"),
            "national".to_string(),
        )
    }

    fn grid_ember(&self, country: &str, year: i32) -> Option<GridFactor> {
        let (name_en, ember_name) = self.countries.get(&country.to_uppercase())?;
        let series = self.ember.get(ember_name)?;
        let (row, note) = pick_year(&series.iter().collect::<Vec<_>>(), |p| p.0, year)?;
        let mut assumptions = Vec::new();
        if let Some(n) = note {
            assumptions.push(t!("assumption.grid_year", region = name_en, note = n));
        }
        assumptions.push(t!("assumption.grid_ember", country = name_en));
        Some(GridFactor {
            t_per_mwh: row.1 / 1000.0,
            factor: FactorUse {
                factor: t!("factor.grid", region = name_en),
                value: row.1 / 1000.0,
                unit: "tCO2/MWh".into(),
                source: self.ember_source.clone(),
                vintage: Some(row.0),
                status: "secondary".into(),
            },
            assumptions,
        })
    }
}

/// The row for `year`: the latest not after it, else the earliest; with a note when not exact.
fn pick_year<'a, T>(
    rows: &[&'a T],
    year_of: impl Fn(&T) -> i32,
    year: i32,
) -> Option<(&'a T, Option<Text>)> {
    let best_before = rows
        .iter()
        .filter(|r| year_of(r) <= year)
        .max_by_key(|r| year_of(r));
    if let Some(r) = best_before {
        let y = year_of(r);
        let note = (y != year).then(|| t!("assumption.year_not_published", year = year, used = y));
        return Some((r, note));
    }
    let earliest = rows.iter().min_by_key(|r| year_of(r))?;
    let y = year_of(earliest);
    Some((
        earliest,
        Some(t!("assumption.year_before_first", year = year, used = y)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f() -> Factors {
        Factors::load(None).expect("shipped tables load")
    }

    #[test]
    fn province_factor_for_its_year() {
        let g = f()
            .grid("CN", Some("jiangsu"), None, 2022, GridVariant::Average)
            .unwrap();
        assert_eq!(g.t_per_mwh, 0.5978);
        assert_eq!(g.factor.vintage, Some(2022));
        assert!(g.assumptions.is_empty());
    }

    #[test]
    fn later_years_use_the_latest_published_year_and_say_so() {
        let g = f()
            .grid("CN", Some("jiangsu"), None, 2024, GridVariant::Average)
            .unwrap();
        assert_eq!(g.t_per_mwh, 0.5978);
        let words: Vec<String> = g.assumptions.iter().map(Text::en).collect();
        assert_eq!(
            words,
            vec!["grid factor (jiangsu): 2024 not published, 2022 value used"]
        );
        let zh = crate::i18n::Locale::get(crate::i18n::Lang::ZH).text(&g.assumptions[0]);
        assert_eq!(
            zh,
            "电网排放因子（江苏）：2024年数值尚未发布，采用2022年数值"
        );
    }

    #[test]
    fn earlier_years_use_the_earliest_published_year() {
        let g = f()
            .grid("CN", Some("jiangsu"), None, 2019, GridVariant::Average)
            .unwrap();
        assert_eq!(g.t_per_mwh, 0.6451);
        assert_eq!(g.factor.vintage, Some(2021));
        assert!(
            g.assumptions[0]
                .en()
                .contains("before the first published year")
        );
    }

    #[test]
    fn no_province_falls_back_to_the_region_then_the_nation() {
        let g = f()
            .grid("CN", None, Some("southwest"), 2023, GridVariant::Average)
            .unwrap();
        assert_eq!(g.t_per_mwh, 0.2472);
        assert!(
            g.assumptions[0]
                .en()
                .contains("southwest regional grid factor")
        );
        let g = f()
            .grid("CN", None, None, 2023, GridVariant::Average)
            .unwrap();
        assert_eq!(g.t_per_mwh, 0.5306);
        assert!(g.assumptions[0].en().contains("national average"));
    }

    #[test]
    fn market_variant_uses_the_national_factor_without_market_nonfossil() {
        let g = f()
            .grid(
                "CN",
                Some("jiangsu"),
                None,
                2022,
                GridVariant::ExclMarketNonfossil,
            )
            .unwrap();
        assert_eq!(g.t_per_mwh, 0.5856);
        assert!(g.assumptions[0].en().contains("published nationally only"));
    }

    #[test]
    fn parks_outside_china_use_ember() {
        let g = f()
            .grid("VN", None, None, 2024, GridVariant::Average)
            .unwrap();
        assert!((g.t_per_mwh - 0.4912).abs() < 0.001, "{}", g.t_per_mwh);
        assert_eq!(g.factor.vintage, Some(2021));
        assert!(
            f().grid("AQ", None, None, 2024, GridVariant::Average)
                .is_none()
        );
    }

    #[test]
    fn provinces_by_key_or_chinese_name() {
        let f = f();
        assert_eq!(f.province_key("江苏").as_deref(), Some("jiangsu"));
        assert_eq!(f.province_key("江苏省").as_deref(), Some("jiangsu"));
        assert_eq!(
            f.province_key("Inner Mongolia").as_deref(),
            Some("inner_mongolia")
        );
        assert_eq!(
            f.province_key("内蒙古自治区").as_deref(),
            Some("inner_mongolia")
        );
        assert_eq!(f.province_key("atlantis"), None);
    }

    #[test]
    fn washed_coal_has_a_recorded_fallback() {
        let ff = f()
            .fuel(
                FuelFactorSet::Cn,
                "washed_coal",
                &crate::reference::Vocabulary::embedded().unwrap(),
            )
            .unwrap();
        assert_eq!(ff.kgco2.unwrap().value, 2.4407);
        assert!(ff.assumptions[0].en().contains("no CO2 factor"));
    }
}
