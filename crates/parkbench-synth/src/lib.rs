//! The synthetic programme generator behind `examples/synth.rs`, the `programme` and
//! `portal_load` benches and the integration tests: a dev crate, compiled once.
//!
//! It writes what operators would send (`parks.csv` + long `activity.csv`, see the README's data
//! contract) for any number of fictional Chinese parks: twelve sectors with their own energy
//! mixes, sizes from small to large, year-on-year growth and a decarbonisation pace of each
//! park's own, units as operators write them, a few estimated rows, and on request a few parks
//! broken in different ways.
//!
//! It uses std only and no parkbench code: it produces data from the outside, as an operator
//! would. The metric vocabulary (which metrics exist and which are flows, `aggregate = "sum"`)
//! and the province keys come from the shipped reference files, embedded at compile time.
//!
//! Deterministic: each park draws from its own SplitMix64 stream (seeded from the run's seed and
//! the park's index), and the values use only IEEE basic arithmetic (no `ln`/`exp`/`powf`), so a
//! seed gives the same bytes on every machine, and breaking some parks leaves the others as they
//! were. Rows are streamed through `BufWriter`s; nothing holds the programme in memory.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Changes whenever the bytes produced for a given configuration change (the bench caches
/// generated programmes under this version).
pub const VERSION: u32 = 6;

const METRICS_TOML: &str = include_str!("../../../indicators/metrics.toml");
const GRID_FACTORS_CSV: &str = include_str!("../../../indicators/factors/grid-factors-cn.csv");

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    pub parks: usize,
    pub years: usize,
    pub first_year: i32,
    /// Flows (metrics with `aggregate = "sum"`) as twelve monthly rows.
    pub monthly: bool,
    /// Number of parks made invalid.
    pub broken: usize,
    /// Share (0-1) of park-years given a plausibility warning, as real submissions carry them:
    /// water reused above the total, waste heat recovered above the recoverable, value added
    /// per tce out of range (a 万元/元 slip). Drawn apart from everything else, so a messy
    /// programme is the clean one with these cells changed.
    pub messy: f64,
    pub seed: u64,
    pub layout: Layout,
    /// Enterprises per park (0: park totals, as before). With firms, each flow is split among
    /// the firms inside the boundary (and the park's own rows for shared utilities), the
    /// activity file gains an `enterprise_id` column and `enterprises.csv` lists the firms;
    /// some move in or out during the years (and with `messy`, a few report a month from
    /// before they moved in: a warning).
    pub enterprises: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            parks: 100,
            years: 5,
            first_year: 2020,
            monthly: false,
            broken: 0,
            messy: 0.0,
            seed: 1,
            layout: Layout::Single,
            enterprises: 0,
        }
    }
}

/// Where the files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `DIR/parks.csv` and `DIR/activity.csv`.
    Single,
    /// `DIR/<park_id>/parks.csv` and `DIR/<park_id>/activity.csv`, one folder per park.
    PerPark,
}

/// How a broken park is broken (one row of its first year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    UnknownUnit,
    NonNumericValue,
    NegativeValue,
    UnknownMetric,
    BadYear,
}

impl Defect {
    const ALL: [Defect; 5] = [
        Defect::UnknownUnit,
        Defect::NonNumericValue,
        Defect::NegativeValue,
        Defect::UnknownMetric,
        Defect::BadYear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Defect::UnknownUnit => "unknown unit",
            Defect::NonNumericValue => "non-numeric value",
            Defect::NegativeValue => "negative value",
            Defect::UnknownMetric => "unknown metric",
            Defect::BadYear => "bad year",
        }
    }
}

/// The plausibility slip of a messy park-year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slip {
    ValueAdded,
    WaterReused,
    WasteHeat,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub parks: usize,
    /// Activity data rows (headers not counted).
    pub rows: u64,
    /// Bytes of every file written.
    pub bytes: u64,
    /// The broken parks, in park order.
    pub broken: Vec<(String, Defect)>,
}

/// Generates a programme into `out` (created when absent).
pub fn generate(cfg: &Config, out: &Path) -> io::Result<Summary> {
    if cfg.broken > cfg.parks {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("--broken {} is more than --parks {}", cfg.broken, cfg.parks),
        ));
    }
    let reference = Reference::load();
    fs::create_dir_all(out)?;
    let broken = broken_parks(cfg);
    let mut summary = Summary {
        parks: cfg.parks,
        ..Summary::default()
    };
    let firms = cfg.enterprises > 0;
    let mut single = match cfg.layout {
        Layout::Single => Some(Files::create(out, firms)?),
        Layout::PerPark => None,
    };
    let mut line = String::with_capacity(256);
    for index in 0..cfg.parks {
        let defect = broken
            .iter()
            .position(|&b| b == index)
            .map(|j| Defect::ALL[j % Defect::ALL.len()]);
        let mut park = Park::draw(cfg, &reference, index);
        let mut own = match single {
            Some(_) => None,
            None => Some(Files::create(&out.join(&park.id), firms)?),
        };
        let Some(files) = own.as_mut().or(single.as_mut()) else {
            unreachable!("a park has files to go to");
        };
        park.parks_row(&reference, &mut line);
        files.parks.write_all(line.as_bytes())?;
        if let Some(f) = files.enterprises.as_mut() {
            park.enterprise_rows(cfg, &mut line);
            f.write_all(line.as_bytes())?;
        }
        summary.rows += park.write_activity(cfg, &reference, defect, &mut files.activity)?;
        if let Some(d) = defect {
            summary.broken.push((park.id.clone(), d));
        }
        if let Some(f) = own.as_mut() {
            summary.bytes += f.finish()?;
        }
    }
    if let Some(f) = single.as_mut() {
        summary.bytes += f.finish()?;
    }
    Ok(summary)
}

/// The id every park of a configuration gets, in order (broken or not).
pub fn park_ids(cfg: &Config) -> Vec<String> {
    let reference = Reference::load();
    (0..cfg.parks)
        .map(|i| Park::draw(cfg, &reference, i).id)
        .collect()
}

/// The indices of the broken parks: distinct, drawn from the seed alone, in drawing order.
fn broken_parks(cfg: &Config) -> Vec<usize> {
    let mut rng = Rng::new(cfg.seed ^ 0xB20C_E4DA_7A5E_0001);
    let mut picked: Vec<usize> = Vec::with_capacity(cfg.broken);
    while picked.len() < cfg.broken {
        let i = rng.below(cfg.parks);
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked
}

/// Metric ids of the vocabulary and whether each is a flow (summed over months).
pub fn vocabulary() -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for l in METRICS_TOML.lines().map(str::trim) {
        if l == "[[metric]]" {
            out.push((String::new(), false));
        } else if let (Some(m), Some(v)) = (out.last_mut(), toml_value(l, "id")) {
            m.0 = v.to_string();
        } else if let (Some(m), Some(v)) = (out.last_mut(), toml_value(l, "aggregate")) {
            m.1 = v == "sum";
        }
    }
    out
}

/// `key = "value"` -> value.
fn toml_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let (k, v) = line.split_once('=')?;
    (k.trim() == key).then(|| v.trim().trim_matches('"'))
}

// ---------------------------------------------------------------------------------------------
// Reference: provinces and their grid factors, the vocabulary's flows.

struct Province {
    key: String,
    name_zh: String,
    region: String,
    /// The highest factor published for the province (tCO2/MWh), for the CO2 guard.
    grid_t_per_mwh: f64,
}

struct Reference {
    provinces: Vec<Province>,
    flows: Vec<(String, bool)>,
}

impl Reference {
    fn load() -> Self {
        let mut provinces: Vec<Province> = Vec::new();
        for l in GRID_FACTORS_CSV.lines() {
            if l.starts_with('#') || l.starts_with("level,") {
                continue;
            }
            let f: Vec<&str> = l.splitn(7, ',').collect();
            if f.len() < 6 || f[0] != "province" {
                continue;
            }
            let factor: f64 = f[5].parse().unwrap_or(0.6);
            match provinces.iter_mut().find(|p| p.key == f[1]) {
                Some(p) => p.grid_t_per_mwh = p.grid_t_per_mwh.max(factor),
                None => provinces.push(Province {
                    key: f[1].to_string(),
                    name_zh: f[2].to_string(),
                    region: f[3].to_string(),
                    grid_t_per_mwh: factor,
                }),
            }
        }
        assert!(!provinces.is_empty(), "no provinces in grid-factors-cn.csv");
        Reference {
            provinces,
            flows: vocabulary(),
        }
    }

    fn province(&self, key: &str) -> Option<usize> {
        self.provinces.iter().position(|p| p.key == key)
    }

    /// Is this metric a flow (monthly rows in `--monthly`)? Panics on a metric the vocabulary
    /// does not have: the generator must only write real metrics.
    fn is_flow(&self, metric: &str) -> bool {
        match self.flows.iter().find(|(id, _)| id == metric) {
            Some((_, flow)) => *flow,
            None => panic!("synth writes metric {metric}, which metrics.toml does not define"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sectors.

/// Energy carriers: metric, tce per canonical unit, tCO2 per canonical unit (cn factors of
/// `indicators/factors/`; heat at the default 0.11 t/GJ; washed coal at its IPCC fallback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carrier {
    RawCoal,
    WashedCoal,
    Coke,
    CrudeOil,
    FuelOil,
    Gasoline,
    Kerosene,
    Diesel,
    Lpg,
    NaturalGas,
    Heat,
}

impl Carrier {
    fn metric(self) -> &'static str {
        match self {
            Carrier::RawCoal => "raw_coal",
            Carrier::WashedCoal => "washed_coal",
            Carrier::Coke => "coke",
            Carrier::CrudeOil => "crude_oil",
            Carrier::FuelOil => "fuel_oil",
            Carrier::Gasoline => "gasoline",
            Carrier::Kerosene => "kerosene",
            Carrier::Diesel => "diesel",
            Carrier::Lpg => "lpg",
            Carrier::NaturalGas => "natural_gas",
            Carrier::Heat => "heat_purchased",
        }
    }

    /// tce per t, per m3 (natural gas) or per GJ (heat).
    fn tce_per_unit(self) -> f64 {
        match self {
            Carrier::RawCoal => 0.7143,
            Carrier::WashedCoal => 0.9,
            Carrier::Coke => 0.9714,
            Carrier::CrudeOil | Carrier::FuelOil => 1.4286,
            Carrier::Gasoline | Carrier::Kerosene => 1.4714,
            Carrier::Diesel => 1.4571,
            Carrier::Lpg => 1.7143,
            Carrier::NaturalGas => 0.00133,
            Carrier::Heat => 0.0341,
        }
    }

    fn co2_t_per_unit(self) -> f64 {
        match self {
            Carrier::RawCoal => 1.9003,
            Carrier::WashedCoal => 2.4407,
            Carrier::Coke => 2.8604,
            Carrier::CrudeOil => 3.0202,
            Carrier::FuelOil => 3.1705,
            Carrier::Gasoline => 2.9251,
            Carrier::Kerosene => 3.0179,
            Carrier::Diesel => 3.0959,
            Carrier::Lpg => 3.1013,
            Carrier::NaturalGas => 0.0021622,
            Carrier::Heat => 0.11,
        }
    }

    /// Fossil fuels that parks phase out (coal, coke, oil); gas and heat are kept.
    fn phased_out(self) -> bool {
        !matches!(self, Carrier::NaturalGas | Carrier::Heat)
    }
}

/// A fuel of a sector: share of the park's energy (tce) drawn in [lo, hi], used by a park with
/// probability `p`.
type Fuel = (Carrier, f64, f64, f64);

struct Sector {
    key: &'static str,
    label: &'static str,
    zh: &'static str,
    weight: u32,
    provinces: &'static [&'static str],
    /// Base-year energy use, tce/yr; drawn as lo + (hi - lo) u^3, so most parks are small.
    tce: (f64, f64),
    fuels: &'static [Fuel],
    /// Shares of electricity from on-site renewables and purchased green power in the base year.
    onsite: (f64, f64),
    green: (f64, f64),
    /// Yearly gain of the clean share of electricity (decarbonisation pace).
    pace: (f64, f64),
    /// Process CO2, t per tce (0 for sectors without).
    process: (f64, f64),
    /// Value added, 万元 per tce.
    va_per_tce: (f64, f64),
    /// Value added per employee, 万元.
    va_per_employee: (f64, f64),
    /// Resident firms per 亿元 of value added.
    firms_per_yi: (f64, f64),
    /// Fresh water, m3 per tce.
    water: (f64, f64),
    /// Solid waste, t per tce.
    waste: (f64, f64),
    /// Recoverable waste heat, GJ per tce.
    waste_heat: (f64, f64),
}

use Carrier::*;

const SECTORS: &[Sector] = &[
    Sector {
        key: "coalchem",
        label: "coal chemicals",
        zh: "现代煤化工产业园",
        weight: 5,
        provinces: &["ningxia", "inner_mongolia", "shaanxi", "xinjiang", "shanxi"],
        tce: (300_000.0, 3_000_000.0),
        fuels: &[
            (RawCoal, 0.45, 0.65, 1.0),
            (WashedCoal, 0.04, 0.10, 0.5),
            (NaturalGas, 0.06, 0.18, 1.0),
            (Diesel, 0.002, 0.008, 0.6),
        ],
        onsite: (0.05, 0.35),
        green: (0.0, 0.15),
        pace: (0.01, 0.06),
        process: (0.08, 0.16),
        va_per_tce: (0.3, 1.0),
        va_per_employee: (25.0, 60.0),
        firms_per_yi: (0.3, 1.0),
        water: (10.0, 25.0),
        waste: (1.5, 3.0),
        waste_heat: (4.0, 8.0),
    },
    Sector {
        key: "steel",
        label: "steel",
        zh: "钢铁产业园",
        weight: 6,
        provinces: &[
            "hebei", "jiangsu", "shandong", "liaoning", "tianjin", "shanxi", "hubei",
        ],
        tce: (200_000.0, 3_000_000.0),
        fuels: &[
            (Coke, 0.20, 0.45, 0.8),
            (RawCoal, 0.05, 0.18, 0.7),
            (WashedCoal, 0.03, 0.08, 0.3),
            (NaturalGas, 0.08, 0.22, 1.0),
            (Diesel, 0.002, 0.006, 0.5),
        ],
        onsite: (0.0, 0.08),
        green: (0.0, 0.10),
        pace: (0.005, 0.04),
        process: (0.10, 0.28),
        va_per_tce: (0.4, 1.3),
        va_per_employee: (20.0, 50.0),
        firms_per_yi: (0.3, 1.2),
        water: (3.0, 8.0),
        waste: (1.0, 2.5),
        waste_heat: (3.0, 7.0),
    },
    Sector {
        key: "electronics",
        label: "electronics (semiconductors, displays)",
        zh: "电子信息产业园",
        weight: 14,
        provinces: &[
            "guangdong",
            "jiangsu",
            "zhejiang",
            "sichuan",
            "shanghai",
            "fujian",
            "chongqing",
            "anhui",
        ],
        tce: (30_000.0, 600_000.0),
        fuels: &[
            (NaturalGas, 0.05, 0.18, 1.0),
            (Diesel, 0.001, 0.005, 0.3),
            (Heat, 0.03, 0.10, 0.4),
        ],
        onsite: (0.01, 0.08),
        green: (0.0, 0.15),
        pace: (0.01, 0.08),
        process: (0.0, 0.0),
        va_per_tce: (2.0, 8.0),
        va_per_employee: (6.0, 20.0),
        firms_per_yi: (3.0, 8.0),
        water: (15.0, 40.0),
        waste: (0.15, 0.4),
        waste_heat: (1.0, 3.0),
    },
    Sector {
        key: "biomed",
        label: "biomedicine",
        zh: "生物医药产业园",
        weight: 10,
        provinces: &[
            "jiangsu",
            "guangdong",
            "zhejiang",
            "shanghai",
            "beijing",
            "hubei",
            "shandong",
            "sichuan",
        ],
        tce: (20_000.0, 300_000.0),
        fuels: &[
            (NaturalGas, 0.10, 0.25, 1.0),
            (Heat, 0.10, 0.30, 0.8),
            (Lpg, 0.003, 0.02, 0.3),
            (Diesel, 0.001, 0.005, 0.3),
        ],
        onsite: (0.01, 0.06),
        green: (0.0, 0.10),
        pace: (0.01, 0.06),
        process: (0.0, 0.0),
        va_per_tce: (3.0, 10.0),
        va_per_employee: (8.0, 25.0),
        firms_per_yi: (3.0, 8.0),
        water: (20.0, 50.0),
        waste: (0.2, 0.5),
        waste_heat: (1.0, 2.5),
    },
    Sector {
        key: "textile",
        label: "textiles and dyeing",
        zh: "纺织印染产业园",
        weight: 9,
        provinces: &[
            "zhejiang",
            "jiangsu",
            "fujian",
            "guangdong",
            "shandong",
            "hubei",
        ],
        tce: (40_000.0, 400_000.0),
        fuels: &[
            (Heat, 0.25, 0.45, 1.0),
            (NaturalGas, 0.05, 0.15, 1.0),
            (RawCoal, 0.03, 0.12, 0.3),
            (FuelOil, 0.005, 0.03, 0.2),
        ],
        onsite: (0.01, 0.08),
        green: (0.0, 0.08),
        pace: (0.005, 0.05),
        process: (0.0, 0.0),
        va_per_tce: (0.8, 2.5),
        va_per_employee: (5.0, 15.0),
        firms_per_yi: (2.0, 6.0),
        water: (60.0, 120.0),
        waste: (0.5, 1.0),
        waste_heat: (3.0, 6.0),
    },
    Sector {
        key: "logistics",
        label: "logistics",
        zh: "智慧物流园",
        weight: 10,
        provinces: &[
            "anhui",
            "henan",
            "hubei",
            "hunan",
            "sichuan",
            "shaanxi",
            "guangdong",
            "zhejiang",
            "jiangsu",
            "shandong",
            "hebei",
            "chongqing",
            "guangxi",
            "jiangxi",
        ],
        tce: (10_000.0, 80_000.0),
        fuels: &[
            (Diesel, 0.30, 0.55, 1.0),
            (Gasoline, 0.02, 0.08, 0.8),
            (Kerosene, 0.05, 0.15, 0.15),
            (Lpg, 0.005, 0.03, 0.3),
            (NaturalGas, 0.01, 0.05, 0.6),
        ],
        onsite: (0.02, 0.15),
        green: (0.0, 0.08),
        pace: (0.005, 0.05),
        process: (0.0, 0.0),
        va_per_tce: (3.0, 8.0),
        va_per_employee: (6.0, 15.0),
        firms_per_yi: (3.0, 8.0),
        water: (2.0, 6.0),
        waste: (0.05, 0.2),
        waste_heat: (0.3, 1.0),
    },
    Sector {
        key: "pv",
        label: "PV manufacturing (polysilicon, wafers, modules)",
        zh: "光伏制造产业园",
        weight: 6,
        provinces: &[
            "jiangsu",
            "zhejiang",
            "qinghai",
            "yunnan",
            "sichuan",
            "xinjiang",
            "inner_mongolia",
            "ningxia",
            "anhui",
        ],
        tce: (100_000.0, 2_000_000.0),
        fuels: &[(NaturalGas, 0.03, 0.10, 1.0), (Diesel, 0.001, 0.004, 0.3)],
        onsite: (0.05, 0.25),
        green: (0.05, 0.35),
        pace: (0.03, 0.12),
        process: (0.0, 0.0),
        va_per_tce: (1.5, 4.0),
        va_per_employee: (10.0, 30.0),
        firms_per_yi: (1.0, 3.0),
        water: (8.0, 20.0),
        waste: (0.1, 0.3),
        waste_heat: (1.0, 3.0),
    },
    Sector {
        key: "battery",
        label: "battery materials",
        zh: "新能源电池材料产业园",
        weight: 6,
        provinces: &[
            "fujian",
            "sichuan",
            "yunnan",
            "jiangxi",
            "guangdong",
            "hunan",
            "guizhou",
            "qinghai",
        ],
        tce: (50_000.0, 600_000.0),
        fuels: &[
            (NaturalGas, 0.08, 0.20, 1.0),
            (Heat, 0.03, 0.10, 0.3),
            (Diesel, 0.001, 0.005, 0.3),
        ],
        onsite: (0.02, 0.12),
        green: (0.0, 0.15),
        pace: (0.02, 0.08),
        process: (0.01, 0.05),
        va_per_tce: (1.0, 3.0),
        va_per_employee: (12.0, 35.0),
        firms_per_yi: (0.8, 2.5),
        water: (10.0, 25.0),
        waste: (0.5, 1.5),
        waste_heat: (2.0, 5.0),
    },
    Sector {
        key: "food",
        label: "food processing",
        zh: "绿色食品产业园",
        weight: 9,
        provinces: &[
            "henan",
            "shandong",
            "hunan",
            "heilongjiang",
            "guangxi",
            "sichuan",
            "jilin",
            "hebei",
        ],
        tce: (15_000.0, 150_000.0),
        fuels: &[
            (NaturalGas, 0.10, 0.25, 1.0),
            (Heat, 0.05, 0.20, 0.7),
            (Lpg, 0.003, 0.02, 0.3),
            (RawCoal, 0.02, 0.10, 0.2),
        ],
        onsite: (0.01, 0.08),
        green: (0.0, 0.06),
        pace: (0.005, 0.05),
        process: (0.0, 0.0),
        va_per_tce: (1.5, 4.0),
        va_per_employee: (4.0, 12.0),
        firms_per_yi: (2.0, 6.0),
        water: (30.0, 110.0),
        waste: (0.6, 1.6),
        waste_heat: (3.0, 7.0),
    },
    Sector {
        key: "equipment",
        label: "equipment manufacturing",
        zh: "高端装备产业园",
        weight: 12,
        provinces: &[
            "shandong", "liaoning", "hunan", "jiangsu", "shanghai", "shaanxi", "henan", "sichuan",
            "jilin",
        ],
        tce: (30_000.0, 300_000.0),
        fuels: &[
            (NaturalGas, 0.10, 0.25, 1.0),
            (Diesel, 0.01, 0.04, 0.9),
            (Gasoline, 0.003, 0.01, 0.3),
        ],
        onsite: (0.01, 0.08),
        green: (0.0, 0.08),
        pace: (0.01, 0.06),
        process: (0.0, 0.0),
        va_per_tce: (3.0, 8.0),
        va_per_employee: (8.0, 20.0),
        firms_per_yi: (2.0, 6.0),
        water: (5.0, 15.0),
        waste: (0.2, 0.5),
        waste_heat: (1.0, 3.0),
    },
    Sector {
        key: "petrochem",
        label: "petrochemicals and refining",
        zh: "石化产业园",
        weight: 5,
        provinces: &[
            "liaoning",
            "shandong",
            "zhejiang",
            "guangdong",
            "jiangsu",
            "tianjin",
            "hainan",
            "fujian",
            "xinjiang",
        ],
        tce: (500_000.0, 3_000_000.0),
        fuels: &[
            (CrudeOil, 0.15, 0.35, 1.0),
            (FuelOil, 0.05, 0.15, 0.9),
            (NaturalGas, 0.15, 0.30, 1.0),
            (RawCoal, 0.05, 0.20, 0.4),
            (Lpg, 0.01, 0.04, 0.7),
            (Heat, 0.01, 0.05, 0.3),
        ],
        onsite: (0.0, 0.06),
        green: (0.0, 0.08),
        pace: (0.005, 0.04),
        process: (0.05, 0.12),
        va_per_tce: (0.5, 1.5),
        va_per_employee: (30.0, 70.0),
        firms_per_yi: (0.2, 0.8),
        water: (5.0, 15.0),
        waste: (0.2, 0.6),
        waste_heat: (5.0, 9.0),
    },
    Sector {
        key: "buildmat",
        label: "building materials (glass, ceramics)",
        zh: "新型建材产业园",
        weight: 8,
        provinces: &[
            "anhui",
            "hebei",
            "guangdong",
            "fujian",
            "shandong",
            "hubei",
            "guangxi",
            "henan",
            "jiangxi",
        ],
        tce: (50_000.0, 500_000.0),
        fuels: &[
            (NaturalGas, 0.35, 0.60, 1.0),
            (RawCoal, 0.05, 0.20, 0.4),
            (FuelOil, 0.02, 0.10, 0.2),
            (Lpg, 0.005, 0.03, 0.2),
        ],
        onsite: (0.01, 0.10),
        green: (0.0, 0.06),
        pace: (0.005, 0.05),
        process: (0.3, 0.6),
        va_per_tce: (0.6, 1.6),
        va_per_employee: (10.0, 25.0),
        firms_per_yi: (1.0, 3.0),
        water: (2.0, 8.0),
        waste: (0.1, 0.4),
        waste_heat: (3.0, 6.0),
    },
];

/// Usual short forms of province keys, for park ids.
fn province_abbr(key: &str) -> &str {
    match key {
        "anhui" => "ah",
        "beijing" => "bj",
        "chongqing" => "cq",
        "fujian" => "fj",
        "gansu" => "gs",
        "guangdong" => "gd",
        "guangxi" => "gx",
        "guizhou" => "gz",
        "hainan" => "hi",
        "hebei" => "hb",
        "heilongjiang" => "hl",
        "henan" => "ha",
        "hubei" => "hub",
        "hunan" => "hn",
        "inner_mongolia" => "nm",
        "jiangsu" => "js",
        "jiangxi" => "jx",
        "jilin" => "jl",
        "liaoning" => "ln",
        "ningxia" => "nx",
        "qinghai" => "qh",
        "shaanxi" => "sn",
        "shandong" => "sd",
        "shanghai" => "sh",
        "shanxi" => "sx",
        "sichuan" => "sc",
        "tianjin" => "tj",
        "xinjiang" => "xj",
        "yunnan" => "yn",
        "zhejiang" => "zj",
        other => other,
    }
}

/// The share of parks whose messy data give green electricity lumped, without its class.
const LUMPED_GREEN_SHARE: f64 = 0.25;

const NAME_CHARS: [&str; 40] = [
    "青", "山", "湖", "江", "海", "云", "星", "岭", "泉", "林", "松", "河", "川", "峰", "溪", "金",
    "银", "华", "汉", "东", "西", "南", "北", "新", "安", "盛", "丰", "瑞", "康", "宁", "远", "晨",
    "光", "明", "月", "阳", "源", "涌", "龙", "凤",
];

const ESTIMATE_NOTES: [&str; 5] = [
    "estimated from invoices",
    "meter replaced; estimated from the previous year",
    "supplier statement pending",
    "pro rata from floor area",
    "估算：按上年同期",
];

// ---------------------------------------------------------------------------------------------
// A park: who it is, then its plan (base values and trends), then its rows year by year.

/// Units a park writes, chosen once per park (operators keep to their habits).
struct Units {
    electricity: &'static str,
    /// Big units (万吨, 万m3, TJ) for large quantities.
    big: bool,
    money: &'static str,
    share_percent: bool,
    people: &'static str,
    firms: &'static str,
    waste_heat: &'static str,
    land: &'static str,
}

/// Base values and yearly trends of a park.
struct Plan {
    tce0: f64,
    growth: f64,
    /// Base shares of the park's energy (tce) by fuel; electricity is the rest.
    fuels: Vec<(Carrier, f64)>,
    /// Yearly cut of the shares of coal, coke and oil.
    phase_out: f64,
    /// Clean (green purchased + on-site) share of electricity in the base year, its yearly gain,
    /// and the on-site part of it.
    clean0: f64,
    pace: f64,
    onsite_part: f64,
    /// How green power bought is split: green power trading, direct supply, certificates (GEC),
    /// and the part reported without its class (`electricity_green_purchased`); sums to 1.
    green_split: [f64; 4],
    /// The park states the measured CO2 factor of its purchased heat.
    heat_factor: bool,
    process_per_tce: f64,
    va_per_tce: f64,
    /// Yearly growth of value added per tce (value added grows faster than energy use).
    va_gain: f64,
    va_per_employee: f64,
    firms_per_yi: f64,
    water_per_tce: f64,
    reuse0: f64,
    waste_per_tce: f64,
    util0: f64,
    waste_heat_per_tce: f64,
    recovered0: f64,
    metering0: f64,
    realtime0: f64,
    iso0: f64,
    /// First year index with a park energy platform (None: none in the period).
    platform_from: Option<usize>,
    siri0: u32,
    reports_water: bool,
    reports_waste_heat: bool,
    /// CO2 per tce the park stays under (3.4-4.3 tCO2/tce).
    co2_ceiling: f64,
}

struct Park {
    id: String,
    name: String,
    province: usize,
    province_zh: bool,
    with_region: bool,
    sector: &'static Sector,
    land_km2: f64,
    units: Units,
    plan: Plan,
    rng: Rng,
    index: usize,
    /// The enterprises inside the boundary (empty: park totals only).
    firms: Vec<Firm>,
}

impl Park {
    fn draw(cfg: &Config, r: &Reference, index: usize) -> Park {
        let mut rng = Rng::for_park(cfg.seed, index);
        // The first parks cover every sector with every fuel of it, so a programme of 12 parks
        // or more uses every metric of the vocabulary.
        let sector = if index < SECTORS.len() {
            &SECTORS[index]
        } else {
            let total: u32 = SECTORS.iter().map(|s| s.weight).sum();
            let mut x = rng.below(total as usize) as u32;
            let mut chosen = &SECTORS[0];
            for s in SECTORS {
                if x < s.weight {
                    chosen = s;
                    break;
                }
                x -= s.weight;
            }
            chosen
        };
        let province = if rng.chance(0.8) {
            let k = sector.provinces[rng.below(sector.provinces.len())];
            r.province(k).unwrap_or(0)
        } else {
            rng.below(r.provinces.len())
        };
        let p = &r.provinces[province];
        let name = format!(
            "{}{}{}{}",
            p.name_zh,
            NAME_CHARS[rng.below(NAME_CHARS.len())],
            NAME_CHARS[rng.below(NAME_CHARS.len())],
            sector.zh
        );
        let id = format!("{}-{}-{:05}", province_abbr(&p.key), sector.key, index + 1);
        let units = Units {
            electricity: rng.pick(&["kWh", "MWh", "MWh", "万kWh", "万kWh", "GWh"]),
            big: rng.chance(0.5),
            money: rng.pick(&["万元", "万元", "万元", "亿元", "亿元", "CNY"]),
            share_percent: rng.chance(0.7),
            people: rng.pick(&["人", "人", "persons", "count"]),
            firms: rng.pick(&["家", "家", "count", "个"]),
            waste_heat: rng.pick(&["GJ", "GJ", "TJ", "tce", "MWh"]),
            land: rng.pick(&["km2", "km2", "ha", "亩"]),
        };
        let province_zh = rng.chance(0.2);
        let with_region = rng.chance(0.2);
        let mut plan = Plan::draw(sector, cfg.years, index < SECTORS.len(), &mut rng);
        // Messy data: about one park in four reports its green electricity lumped, without its
        // class (a warning asks for it). Drawn apart, so clean data stay as they were.
        if cfg.messy > 0.0
            && Rng::for_park(cfg.seed ^ 0x6EE1_C1A5_0000_0002, index).chance(LUMPED_GREEN_SHARE)
        {
            plan.green_split = [0.0, 0.0, 0.0, 1.0];
        }
        // Land follows value added: 1-4 x (value added per tce) 亿元 per km2, so heavy industry
        // (0.3-4 亿元/km2) spreads wider than electronics or biomedicine (2-40 亿元/km2).
        let va_yi = plan.tce0 * plan.va_per_tce / 10_000.0;
        let density_yi_per_km2 = plan.va_per_tce * rng.range(1.0, 4.0);
        let land_km2 = (va_yi / density_yi_per_km2).clamp(0.8, 150.0);
        Park {
            id,
            name,
            province,
            province_zh,
            with_region,
            sector,
            land_km2,
            units,
            plan,
            rng,
            index,
            firms: Firm::draw_all(cfg, index),
        }
    }

    /// The park's rows of `enterprises.csv`.
    fn enterprise_rows(&self, cfg: &Config, line: &mut String) {
        line.clear();
        for (k, f) in self.firms.iter().enumerate() {
            let _ = write!(
                line,
                "{},{},{}{:03}号企业,{},",
                self.id,
                f.id,
                self.name,
                k + 1,
                self.sector.key
            );
            let month = |m: i32| format!("{}-{:02}", cfg.first_year + m / 12, m % 12 + 1);
            if let Some(m) = f.from {
                line.push_str(&month(m));
            }
            line.push(',');
            if let Some(m) = f.to {
                line.push_str(&month(m));
            }
            line.push('\n');
        }
    }

    fn parks_row(&self, r: &Reference, line: &mut String) {
        let p = &r.provinces[self.province];
        line.clear();
        line.push_str(&self.id);
        line.push(',');
        push_csv(line, &self.name);
        line.push_str(",CN,");
        line.push_str(if self.province_zh { &p.name_zh } else { &p.key });
        line.push(',');
        push_csv(line, self.sector.label);
        line.push(',');
        let area = match self.units.land {
            "ha" => self.land_km2 * 100.0,
            "亩" => self.land_km2 * 1500.0,
            _ => self.land_km2,
        };
        // Two decimals, as areas are given: `688.49` ha. (Three, `688.488`, in a comma file
        // with no other number could be a decimal or a grouped 688,488: parkbench refuses to
        // guess.)
        let _ = write!(line, "{area:.2}");
        line.push(',');
        line.push_str(self.units.land);
        line.push(',');
        if self.with_region {
            line.push_str(&p.region);
        }
        line.push('\n');
    }

    /// Writes the park's activity rows, year by year; returns how many.
    fn write_activity<W: Write>(
        &mut self,
        cfg: &Config,
        r: &Reference,
        defect: Option<Defect>,
        out: &mut W,
    ) -> io::Result<u64> {
        let grid_t_per_mwh = r.provinces[self.province].grid_t_per_mwh;
        let mut w = Rows {
            out,
            park_id: &self.id,
            monthly: cfg.monthly,
            firms: &self.firms,
            first_year: cfg.first_year,
            enterprise: "",
            reference: r,
            defect,
            line: String::with_capacity(128),
            rows: 0,
        };
        let mut d = Draw {
            plan: &self.plan,
            units: &self.units,
            rng: &mut self.rng,
        };
        let mut messy = Rng::for_park(cfg.seed ^ 0x3E55_1E55_0000_0001, self.index);
        let mut y = ParkYear {
            year: cfg.first_year,
            t: 0,
            tce: d.plan.tce0,
            va_per_tce: d.plan.va_per_tce,
            siri: d.plan.siri0,
            slip: None,
        };
        for t in 0..cfg.years {
            y.year = cfg.first_year + t as i32;
            y.t = t;
            if t > 0 {
                d.grow(&mut y);
            }
            y.slip = messy.chance(cfg.messy).then(|| d.plan.slip(&mut messy));
            let mix = d.plan.energy_mix(&y, grid_t_per_mwh);
            d.electricity(&mut w, &y, &mix)?;
            d.fuels(&mut w, &y, &mix)?;
            let va = d.economy(&mut w, &y)?;
            d.resources(&mut w, &y)?;
            d.digitalisation(&mut w, &y, va)?;
        }
        Ok(w.rows)
    }
}

/// A park-year being written: its year, the park's size and standing that year, and its slip.
struct ParkYear {
    year: i32,
    /// Years since the first.
    t: usize,
    tce: f64,
    va_per_tce: f64,
    siri: u32,
    /// A messy park-year: one warning the operator would get.
    slip: Option<Slip>,
}

impl ParkYear {
    /// Years since the first, for trends.
    fn tf(&self) -> f64 {
        self.t as f64
    }
}

/// A park-year's energy by carrier: fuels (share of the tce), electricity (MWh) by source, and
/// process CO2 (t).
struct EnergyMix {
    fuels: Vec<(Carrier, f64)>,
    grid_mwh: f64,
    green_mwh: f64,
    onsite_mwh: f64,
    process_t: f64,
}

impl Plan {
    /// The slip of a messy park-year, among those its metrics allow.
    fn slip(&self, messy: &mut Rng) -> Slip {
        let mut kinds = vec![Slip::ValueAdded];
        if self.reports_water {
            kinds.push(Slip::WaterReused);
        }
        if self.reports_waste_heat {
            kinds.push(Slip::WasteHeat);
        }
        kinds[messy.below(kinds.len())]
    }

    /// The park-year's energy by carrier, its CO2 per tce kept under the park's ceiling.
    fn energy_mix(&self, y: &ParkYear, grid_t_per_mwh: f64) -> EnergyMix {
        let (tce, tf) = (y.tce, y.tf());
        let keep = 1.0 - self.phase_out;
        let mut keep_t = 1.0;
        for _ in 0..y.t {
            keep_t *= keep;
        }
        let fuels: Vec<(Carrier, f64)> = self
            .fuels
            .iter()
            .map(|&(c, s)| (c, if c.phased_out() { s * keep_t } else { s }))
            .collect();
        let electricity_share = 1.0 - fuels.iter().map(|f| f.1).sum::<f64>();
        let electricity_mwh = tce * electricity_share / 0.1229;
        let clean = (self.clean0 + self.pace * tf).min(0.97);
        let onsite_mwh = electricity_mwh * clean * self.onsite_part;
        let mut green_mwh = electricity_mwh * clean - onsite_mwh;
        let mut grid_mwh = electricity_mwh - onsite_mwh - green_mwh;
        let process_t = tce * self.process_per_tce * (1.0 - 0.01 * tf);
        // Keep CO2 per tce below the park's ceiling (under the plausibility check's 4.5): a
        // park on a coal-heavy grid buys green power rather than exceed it.
        let fuel_co2: f64 = fuels
            .iter()
            .map(|&(c, s)| tce * s / c.tce_per_unit() * c.co2_t_per_unit())
            .sum();
        let co2 = fuel_co2 + process_t + grid_mwh * grid_t_per_mwh;
        let ceiling = self.co2_ceiling * tce;
        if co2 > ceiling {
            let shift = ((co2 - ceiling) / grid_t_per_mwh).min(grid_mwh * 0.97);
            grid_mwh -= shift;
            green_mwh += shift;
        }
        EnergyMix {
            fuels,
            grid_mwh,
            green_mwh,
            onsite_mwh,
            process_t,
        }
    }
}

/// What a park's rows are drawn from: its plan, its units and its random numbers.
struct Draw<'p> {
    plan: &'p Plan,
    units: &'p Units,
    rng: &'p mut Rng,
}

impl Draw<'_> {
    /// A year on: energy and value added per tce grow, the SIRI band may rise.
    fn grow(&mut self, y: &mut ParkYear) {
        let (plan, rng) = (self.plan, &mut *self.rng);
        y.tce *= 1.0 + plan.growth + rng.range(-0.015, 0.015);
        y.va_per_tce *= 1.0 + plan.va_gain + rng.range(-0.01, 0.01);
        if y.siri < 5 && rng.chance(0.2) {
            y.siri += 1;
        }
    }

    /// Electricity from the grid, green power bought by class, and on-site renewables.
    fn electricity<W: Write>(
        &mut self,
        w: &mut Rows<'_, W>,
        y: &ParkYear,
        mix: &EnergyMix,
    ) -> io::Result<()> {
        let unit = Unit::Electricity(self.units.electricity);
        let (year, rng) = (y.year, &mut *self.rng);
        w.flow(
            year,
            "electricity_grid",
            mix.grid_mwh,
            unit,
            rng,
            Season::Power,
        )?;
        let classes = [
            "electricity_green_traded",
            "electricity_green_direct",
            "electricity_green_certificates",
            "electricity_green_purchased",
        ];
        for (metric, part) in classes.into_iter().zip(self.plan.green_split) {
            if mix.green_mwh * part > 0.0 {
                w.flow(year, metric, mix.green_mwh * part, unit, rng, Season::Power)?;
            }
        }
        if mix.onsite_mwh > 0.0 {
            let metric = "electricity_onsite_renewable";
            w.flow(year, metric, mix.onsite_mwh, unit, rng, Season::Solar)?;
        }
        Ok(())
    }

    /// Fuels (with the heating plant's factor of a complete park) and process CO2.
    fn fuels<W: Write>(
        &mut self,
        w: &mut Rows<'_, W>,
        y: &ParkYear,
        mix: &EnergyMix,
    ) -> io::Result<()> {
        let (plan, units, rng) = (self.plan, self.units, &mut *self.rng);
        let year = y.year;
        for &(c, s) in &mix.fuels {
            let amount = y.tce * s / c.tce_per_unit();
            let (unit, season) = match c {
                Carrier::NaturalGas => (Unit::Volume(units.big), Season::Power),
                Carrier::Heat => (Unit::Heat(units.big), Season::Winter),
                _ => (Unit::Mass(units.big), Season::Power),
            };
            w.flow(year, c.metric(), amount, unit, rng, season)?;
            // A complete park states its heating plant's factor (the default's value, so
            // the park's CO2 is the same either way).
            if c == Carrier::Heat && plan.heat_factor {
                let metric = "heat_purchased_co2_factor";
                w.stock(year, metric, c.co2_t_per_unit(), Unit::Factor, rng)?;
            }
        }
        if mix.process_t > 0.0 {
            let unit = Unit::Mass(units.big);
            w.flow(year, "process_co2", mix.process_t, unit, rng, Season::Flat)?;
        }
        Ok(())
    }

    /// Value added, employees and (a complete park) the share of products at grade 2; returns
    /// the value added.
    fn economy<W: Write>(&mut self, w: &mut Rows<'_, W>, y: &ParkYear) -> io::Result<f64> {
        let (plan, units, rng) = (self.plan, self.units, &mut *self.rng);
        let (year, tf) = (y.year, y.tf());
        let va = y.tce * y.va_per_tce;
        let written = if y.slip == Some(Slip::ValueAdded) {
            va * 1e4
        } else {
            va
        };
        let money = Unit::Money(units.money);
        w.flow(
            year,
            "industrial_value_added",
            written,
            money,
            rng,
            Season::Flat,
        )?;
        let per_employee = plan.va_per_employee * (1.0 + 0.04 * tf);
        let people = Unit::Count(units.people);
        w.stock(year, "employees", va / per_employee, people, rng)?;
        // A complete park states the share of its firms' products at grade 2 or better
        // (a park may report the share itself when it gives no products.csv).
        if plan.heat_factor {
            let share = (0.6 + 0.05 * tf).min(1.0);
            let unit = Unit::Share(units.share_percent);
            w.stock(year, "products_grade2_share", share, unit, rng)?;
        }
        Ok(va)
    }

    /// Water (when the park reports it), solid waste, and waste heat (when it reports it).
    fn resources<W: Write>(&mut self, w: &mut Rows<'_, W>, y: &ParkYear) -> io::Result<()> {
        let (plan, units, rng) = (self.plan, self.units, &mut *self.rng);
        let (year, tce, tf) = (y.year, y.tce, y.tf());
        let big = Unit::Volume(units.big);
        if plan.reports_water {
            let fresh = tce * plan.water_per_tce * (1.0 - 0.02 * tf);
            let reuse = (plan.reuse0 + 0.01 * tf).min(0.97);
            let total = fresh / (1.0 - reuse);
            w.flow(year, "water_fresh", fresh, big, rng, Season::Flat)?;
            w.flow(
                year,
                "water_industrial_total",
                total,
                big,
                rng,
                Season::Flat,
            )?;
            let reused = if y.slip == Some(Slip::WaterReused) {
                total * 1.2
            } else {
                total - fresh
            };
            w.flow(year, "water_reused", reused, big, rng, Season::Flat)?;
        }
        let waste = tce * plan.waste_per_tce;
        let utilised = waste * (plan.util0 + 0.01 * tf).min(0.98);
        let mass = Unit::Mass(units.big);
        w.flow(
            year,
            "solid_waste_generated",
            waste,
            mass,
            rng,
            Season::Flat,
        )?;
        w.flow(
            year,
            "solid_waste_utilized",
            utilised,
            mass,
            rng,
            Season::Flat,
        )?;
        if plan.reports_waste_heat {
            let recoverable = tce * plan.waste_heat_per_tce;
            let recovered = if y.slip == Some(Slip::WasteHeat) {
                recoverable * 1.3
            } else {
                recoverable * (plan.recovered0 + 0.02 * tf).min(0.85)
            };
            let u = Unit::WasteHeat(units.waste_heat);
            w.flow(
                year,
                "waste_heat_recoverable",
                recoverable,
                u,
                rng,
                Season::Winter,
            )?;
            w.flow(
                year,
                "waste_heat_recovered",
                recovered,
                u,
                rng,
                Season::Winter,
            )?;
        }
        Ok(())
    }

    /// Metering, monitoring, firms with ISO 50001, the energy platform and the SIRI band.
    fn digitalisation<W: Write>(
        &mut self,
        w: &mut Rows<'_, W>,
        y: &ParkYear,
        va: f64,
    ) -> io::Result<()> {
        let (plan, units, rng) = (self.plan, self.units, &mut *self.rng);
        let (year, tf) = (y.year, y.tf());
        let share = Unit::Share(units.share_percent);
        let metering = (plan.metering0 + 0.01 * tf).min(0.995);
        w.stock(year, "metering_coverage", metering, share, rng)?;
        let realtime = (plan.realtime0 + 0.03 * tf).min(0.99);
        w.stock(year, "realtime_monitoring_share", realtime, share, rng)?;
        let firms = (va / 10_000.0 * plan.firms_per_yi).round().max(5.0);
        let iso = (firms * (plan.iso0 + 0.02 * tf).min(0.9)).round();
        w.stock(year, "firms_total", firms, Unit::Count(units.firms), rng)?;
        w.stock(year, "firms_iso50001", iso, Unit::Count(units.firms), rng)?;
        let platform = plan.platform_from.is_some_and(|from| y.t >= from);
        let flag = f64::from(u8::from(platform));
        w.stock(year, "energy_platform", flag, Unit::Flag, rng)?;
        w.stock(year, "siri_band", f64::from(y.siri), Unit::Band, rng)?;
        Ok(())
    }
}

impl Plan {
    /// `complete`: the park uses every fuel of its sector and reports every metric.
    fn draw(s: &Sector, years: usize, complete: bool, rng: &mut Rng) -> Plan {
        let mut fuels: Vec<(Carrier, f64)> = Vec::new();
        for &(c, lo, hi, p) in s.fuels {
            if rng.chance(p) || complete {
                fuels.push((c, rng.range(lo, hi)));
            }
        }
        // Electricity keeps at least 8 % of the energy.
        let fossil: f64 = fuels.iter().map(|f| f.1).sum();
        if fossil > 0.92 {
            for f in &mut fuels {
                f.1 *= 0.92 / fossil;
            }
        }
        let mut onsite = rng.range(s.onsite.0, s.onsite.1);
        let mut green = rng.range(s.green.0, s.green.1);
        let mut pace = rng.range(s.pace.0, s.pace.1);
        let mut phase_out = rng.range(0.0, 0.06);
        // A few pilot parks of every sector are far along: mostly clean power, fast fuel exit.
        if rng.chance(0.06) {
            let clean = rng.range(0.5, 0.85);
            let part = rng.range(0.15, 0.5);
            onsite = clean * part;
            green = clean - onsite;
            pace = rng.range(0.04, 0.10);
            phase_out = rng.range(0.08, 0.2);
        }
        let clean0 = onsite + green;
        let mut plan = Plan {
            tce0: rng.skewed(s.tce.0, s.tce.1),
            growth: (0.04 + 0.03 * rng.normal()).clamp(-0.03, 0.12),
            fuels,
            phase_out,
            clean0,
            pace,
            onsite_part: if clean0 > 0.0 { onsite / clean0 } else { 0.5 },
            process_per_tce: rng.range(s.process.0, s.process.1),
            va_per_tce: rng.range(s.va_per_tce.0, s.va_per_tce.1),
            va_gain: rng.range(0.01, 0.06),
            va_per_employee: rng.range(s.va_per_employee.0, s.va_per_employee.1),
            firms_per_yi: rng.range(s.firms_per_yi.0, s.firms_per_yi.1),
            water_per_tce: rng.range(s.water.0, s.water.1),
            reuse0: rng.range(0.55, 0.92),
            waste_per_tce: rng.range(s.waste.0, s.waste.1),
            util0: rng.range(0.55, 0.93),
            waste_heat_per_tce: rng.range(s.waste_heat.0, s.waste_heat.1),
            recovered0: rng.range(0.2, 0.6),
            metering0: rng.range(0.78, 0.97),
            realtime0: rng.range(0.35, 0.85),
            iso0: rng.range(0.04, 0.35),
            platform_from: if rng.chance(0.55) {
                Some(0)
            } else if rng.chance(0.5) {
                Some(1 + rng.below(years.max(1)))
            } else {
                None
            },
            siri0: rng.pick(&[0, 1, 1, 2, 2, 2, 3, 3, 4]),
            reports_water: rng.chance(0.97) || complete,
            reports_waste_heat: rng.chance(0.95) || complete,
            co2_ceiling: rng.range(3.4, 4.3),
            green_split: [0.0; 4],
            heat_factor: complete,
        };
        plan.green_split = Plan::green_split(complete, rng);
        plan
    }

    /// Parks name the class of each green MWh (traded, direct, certificates; lumped only in
    /// messy data); a complete park reports all three.
    fn green_split(complete: bool, rng: &mut Rng) -> [f64; 4] {
        let w = if complete {
            [
                rng.range(0.2, 1.0),
                rng.range(0.1, 0.5),
                rng.range(0.1, 1.0),
                0.0,
            ]
        } else {
            [
                rng.range(0.2, 1.0),
                if rng.chance(0.3) {
                    rng.range(0.1, 0.6)
                } else {
                    0.0
                },
                rng.range(0.1, 1.0),
                0.0,
            ]
        };
        let total: f64 = w.iter().sum();
        w.map(|x| x / total)
    }
}

// ---------------------------------------------------------------------------------------------
// Rows.

/// How a canonical value is written.
#[derive(Debug, Clone, Copy)]
enum Unit {
    /// From MWh to the park's electricity unit.
    Electricity(&'static str),
    /// From t; 万吨 / kt for large amounts when the park likes big units.
    Mass(bool),
    /// From m3; 万m3 for large amounts.
    Volume(bool),
    /// From GJ; TJ for large amounts.
    Heat(bool),
    /// From GJ to GJ, TJ, tce or MWh.
    WasteHeat(&'static str),
    /// From 万元.
    Money(&'static str),
    /// Whole numbers.
    Count(&'static str),
    /// A fraction, written as % or fraction.
    Share(bool),
    Flag,
    Band,
    /// tCO2/GJ.
    Factor,
}

impl Unit {
    /// (value in the written unit, unit, decimals: None for significant digits).
    fn convert(self, v: f64, annual: f64) -> (f64, &'static str, Option<usize>) {
        match self {
            Unit::Electricity(u) => {
                let f = match u {
                    "kWh" => 1000.0,
                    "万kWh" => 0.1,
                    "GWh" => 0.001,
                    _ => 1.0,
                };
                (v * f, u, None)
            }
            Unit::Mass(big) if big && annual >= 1_000_000.0 => (v / 10_000.0, "万吨", None),
            Unit::Mass(big) if big && annual >= 100_000.0 => (v / 1000.0, "kt", None),
            Unit::Mass(_) => (v, "t", None),
            Unit::Volume(big) if big && annual >= 1_000_000.0 => (v / 10_000.0, "万m3", None),
            Unit::Volume(_) => (v, "m3", None),
            Unit::Heat(big) if big && annual >= 100_000.0 => (v / 1000.0, "TJ", None),
            Unit::Heat(_) => (v, "GJ", None),
            Unit::WasteHeat(u) => {
                let f = match u {
                    "TJ" => 0.001,
                    "tce" => 1.0 / 29.3076,
                    "MWh" => 1.0 / 3.6,
                    _ => 1.0,
                };
                (v * f, u, None)
            }
            Unit::Money(u) => {
                let f = match u {
                    "亿元" => 0.0001,
                    "CNY" => 10_000.0,
                    _ => 1.0,
                };
                (v * f, u, None)
            }
            Unit::Count(u) => (v.round(), u, Some(0)),
            Unit::Share(true) => (v * 100.0, "%", Some(1)),
            Unit::Share(false) => (v, "fraction", Some(3)),
            Unit::Flag => (v, "flag", Some(0)),
            Unit::Band => (v, "band", Some(0)),
            Unit::Factor => (v, "tCO2/GJ", Some(3)),
        }
    }
}

/// Seasonal profile of monthly rows.
#[derive(Debug, Clone, Copy)]
enum Season {
    /// Production: Spring Festival dip in February, summer peak (cooling).
    Power,
    /// On-site PV: summer high, winter low.
    Solar,
    /// Heat: winter high.
    Winter,
    Flat,
}

impl Season {
    fn weights(self) -> [f64; 12] {
        match self {
            Season::Power => [
                0.94, 0.80, 1.00, 1.00, 1.02, 1.05, 1.10, 1.10, 1.03, 1.00, 0.99, 1.01,
            ],
            Season::Solar => [
                0.70, 0.75, 0.95, 1.05, 1.15, 1.15, 1.20, 1.20, 1.05, 0.95, 0.80, 0.70,
            ],
            Season::Winter => [
                1.30, 1.20, 1.10, 0.95, 0.85, 0.80, 0.80, 0.80, 0.85, 0.95, 1.10, 1.30,
            ],
            Season::Flat => [1.0; 12],
        }
    }
}

/// Writes the rows of one park.
struct Rows<'a, W: Write> {
    out: &'a mut W,
    park_id: &'a str,
    monthly: bool,
    /// The park's enterprises (empty: park totals only) and the programme's first year.
    firms: &'a [Firm],
    first_year: i32,
    /// The enterprise of the rows being written ("": the park's own).
    enterprise: &'a str,
    reference: &'a Reference,
    /// Applied to the first row written, then cleared.
    defect: Option<Defect>,
    line: String,
    rows: u64,
}

impl<W: Write> Rows<'_, W> {
    /// A flow: one annual row, or twelve monthly rows with `--monthly`.
    fn flow(
        &mut self,
        year: i32,
        metric: &str,
        annual: f64,
        unit: Unit,
        rng: &mut Rng,
        season: Season,
    ) -> io::Result<()> {
        let flow = self.reference.is_flow(metric);
        if !(self.monthly && flow) {
            if flow && !self.firms.is_empty() {
                return self.split((year, None), metric, (annual, annual), unit, rng);
            }
            return self.row((year, None), metric, (annual, annual), unit, rng);
        }
        let mut w = season.weights();
        let mut sum = 0.0;
        for x in &mut w {
            *x *= 1.0 + rng.range(-0.03, 0.03);
            sum += *x;
        }
        for (m, x) in w.iter().enumerate() {
            let period = (year, Some(m as u8 + 1));
            let amounts = (annual * x / sum, annual);
            if self.firms.is_empty() {
                self.row(period, metric, amounts, unit, rng)?;
            } else {
                self.split(period, metric, amounts, unit, rng)?;
            }
        }
        Ok(())
    }

    /// A flow of one period split over the firms inside the boundary by their weights, a small
    /// part on the park's own rows. A year row of a firm inside for part of the year is written
    /// for the whole year (parkbench counts its months inside); a messy firm also reports a
    /// month from before it moved in.
    fn split(
        &mut self,
        (year, month): (i32, Option<u8>),
        metric: &str,
        (v, annual): (f64, f64),
        unit: Unit,
        rng: &mut Rng,
    ) -> io::Result<()> {
        let firms = self.firms;
        let base = (year - self.first_year) * 12;
        // Months of the period each firm is inside.
        let months_in = |f: &Firm| -> i32 {
            match month {
                Some(m) => i32::from(f.inside(base + i32::from(m) - 1)),
                None => (0..12).filter(|&m| f.inside(base + m)).count() as i32,
            }
        };
        let total: f64 = firms
            .iter()
            .map(|f| f.weight * f64::from(months_in(f)))
            .sum();
        self.enterprise = "";
        self.row(
            (year, month),
            metric,
            (v * OWN_SHARE, annual * OWN_SHARE),
            unit,
            rng,
        )?;
        if total <= 0.0 {
            return Ok(());
        }
        for f in firms {
            let n = months_in(f);
            let early = month.is_some_and(|m| f.early == Some(base + i32::from(m) - 1));
            if n == 0 && !early {
                continue;
            }
            let part = f.weight * f64::from(n.max(1)) / total;
            let value = v * (1.0 - OWN_SHARE) * part;
            let written = match month {
                None => value * 12.0 / f64::from(n),
                Some(_) => value,
            };
            self.enterprise = &f.id;
            self.row((year, month), metric, (written, annual * part), unit, rng)?;
        }
        self.enterprise = "";
        Ok(())
    }

    /// A stock or share: always one annual row.
    fn stock(
        &mut self,
        year: i32,
        metric: &str,
        v: f64,
        unit: Unit,
        rng: &mut Rng,
    ) -> io::Result<()> {
        debug_assert!(!self.reference.is_flow(metric), "{metric} is a flow");
        self.row((year, None), metric, (v, v), unit, rng)
    }

    /// One row: the period (year, month), the metric, the value and its year's total (for the
    /// unit's choice of decimals), in `unit`.
    fn row(
        &mut self,
        (year, month): (i32, Option<u8>),
        metric: &str,
        (v, annual): (f64, f64),
        unit: Unit,
        rng: &mut Rng,
    ) -> io::Result<()> {
        let (value, unit_text, decimals) = unit.convert(v, annual);
        let estimated = rng.chance(0.015);
        let note = if estimated {
            ESTIMATE_NOTES[rng.below(ESTIMATE_NOTES.len())]
        } else {
            ""
        };
        let l = &mut self.line;
        l.clear();
        l.push_str(self.park_id);
        l.push(',');
        let defect = self.defect.take();
        match defect {
            Some(Defect::BadYear) => {
                let _ = write!(l, "{}", year % 100);
            }
            _ => {
                let _ = write!(l, "{year}");
            }
        }
        l.push(',');
        l.push_str(if defect == Some(Defect::UnknownMetric) {
            "electricty_grid"
        } else {
            metric
        });
        l.push(',');
        match (defect, decimals) {
            (Some(Defect::NonNumericValue), _) => l.push_str("TBD"),
            (Some(Defect::NegativeValue), Some(d)) => {
                let _ = write!(l, "{:.*}", d, -value);
            }
            (Some(Defect::NegativeValue), None) => push_num(l, -value),
            (_, Some(d)) => {
                let _ = write!(l, "{value:.d$}");
            }
            (_, None) => push_num(l, value),
        }
        l.push(',');
        l.push_str(if defect == Some(Defect::UnknownUnit) {
            "kW"
        } else {
            unit_text
        });
        l.push(',');
        if let Some(m) = month {
            let _ = write!(l, "{year}-{m:02}");
        }
        l.push_str(if estimated {
            ",estimated,"
        } else {
            ",measured,"
        });
        push_csv(l, note);
        if !self.firms.is_empty() {
            l.push(',');
            l.push_str(self.enterprise);
        }
        l.push('\n');
        self.out.write_all(l.as_bytes())?;
        self.rows += 1;
        Ok(())
    }
}

/// A fictional enterprise of a park.
#[derive(Debug, Clone)]
struct Firm {
    /// A unified social credit code with its check character (GB 32100-2015).
    id: String,
    /// Its part of the park's flows, before normalising over the firms inside.
    weight: f64,
    /// First and last month inside, counted from January of the first year (None: open).
    from: Option<i32>,
    to: Option<i32>,
    /// With messy data: a month before it moved in that it reports anyway (a warning).
    early: Option<i32>,
}

/// The share of a park's flows on its own rows (shared utilities).
const OWN_SHARE: f64 = 0.03;
/// Chances that a firm moves in, or out, during the years.
const MOVES_IN: f64 = 0.08;
const MOVES_OUT: f64 = 0.05;
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl Firm {
    fn draw_all(cfg: &Config, park: usize) -> Vec<Firm> {
        if cfg.enterprises == 0 {
            return Vec::new();
        }
        let mut rng = Rng::for_park(cfg.seed ^ 0xF1_2A5E_0000_0003, park);
        let months = (cfg.years * 12) as i32;
        (0..cfg.enterprises)
            .map(|k| {
                // Skewed: a few firms use most of the energy, as in real parks.
                let x = rng.range(0.3, 1.6);
                let from = (months > 12 && rng.chance(MOVES_IN))
                    .then(|| 12 + rng.below(months as usize - 12) as i32);
                let to = (months > 12 && rng.chance(MOVES_OUT))
                    .then(|| {
                        from.unwrap_or(0) + rng.below((months - from.unwrap_or(0)) as usize) as i32
                    })
                    .filter(|&t| t + 1 < months);
                let early = from.filter(|_| rng.chance(cfg.messy)).map(|f| f - 1);
                Firm {
                    id: uscc(park * cfg.enterprises + k),
                    weight: x * x * x,
                    from,
                    to,
                    early,
                }
            })
            .collect()
    }

    /// Is month `m` (from January of the first year) inside the boundary?
    fn inside(&self, m: i32) -> bool {
        self.from.is_none_or(|f| m >= f) && self.to.is_none_or(|t| m <= t)
    }
}

/// The `n`-th fictional unified social credit code: 91 (an enterprise), a region code, the
/// number in the code's alphabet, and the check character.
fn uscc(n: usize) -> String {
    let mut body: Vec<u8> = b"91320500".to_vec();
    let mut digits = [b'0'; 9];
    let mut x = n;
    for d in digits.iter_mut().rev() {
        *d = USCC_CHARS[x % 31];
        x /= 31;
    }
    body.extend_from_slice(&digits);
    let value = |c: u8| USCC_CHARS.iter().position(|&x| x == c).unwrap_or(0) as u32;
    let sum: u32 = body
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(c, w)| value(*c) * w)
        .sum();
    body.push(USCC_CHARS[((31 - sum % 31) % 31) as usize]);
    String::from_utf8(body).unwrap_or_default()
}

/// A number with about six significant digits.
fn push_num(l: &mut String, v: f64) {
    let a = v.abs();
    let decimals = if a >= 100_000.0 {
        0
    } else if a >= 10_000.0 {
        1
    } else if a >= 1_000.0 {
        2
    } else if a >= 1.0 {
        3
    } else {
        5
    };
    let _ = write!(l, "{v:.decimals$}");
}

/// A CSV field, quoted when it needs to be.
fn push_csv(l: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        l.push('"');
        l.push_str(&s.replace('"', "\"\""));
        l.push('"');
    } else {
        l.push_str(s);
    }
}

// ---------------------------------------------------------------------------------------------
// Files.

/// Counts the bytes written through it.
struct Counted<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

const PARKS_HEADER: &str =
    "park_id,name,country,province,sector,land_area,land_area_unit,grid_region\n";
const ACTIVITY_HEADER: &str = "park_id,year,metric,value,unit,period,quality,note\n";
const ACTIVITY_FIRMS_HEADER: &str =
    "park_id,year,metric,value,unit,period,quality,note,enterprise_id\n";
const ENTERPRISES_HEADER: &str =
    "park_id,enterprise_id,name,sector,in_boundary_from,in_boundary_to\n";

struct Files {
    parks: BufWriter<Counted<File>>,
    activity: BufWriter<Counted<File>>,
    enterprises: Option<BufWriter<Counted<File>>>,
}

impl Files {
    fn create(dir: &Path, firms: bool) -> io::Result<Files> {
        fs::create_dir_all(dir)?;
        let open = |name: &str, header: &str| -> io::Result<BufWriter<Counted<File>>> {
            let f = File::create(dir.join(name))?;
            let mut w = BufWriter::with_capacity(1 << 16, Counted { inner: f, bytes: 0 });
            w.write_all(header.as_bytes())?;
            Ok(w)
        };
        Ok(Files {
            parks: open("parks.csv", PARKS_HEADER)?,
            activity: open(
                "activity.csv",
                if firms {
                    ACTIVITY_FIRMS_HEADER
                } else {
                    ACTIVITY_HEADER
                },
            )?,
            enterprises: if firms {
                Some(open("enterprises.csv", ENTERPRISES_HEADER)?)
            } else {
                None
            },
        })
    }

    /// Flushes the files; returns their sizes.
    fn finish(&mut self) -> io::Result<u64> {
        self.parks.flush()?;
        self.activity.flush()?;
        let mut bytes = self.parks.get_ref().bytes + self.activity.get_ref().bytes;
        if let Some(f) = self.enterprises.as_mut() {
            f.flush()?;
            bytes += f.get_ref().bytes;
        }
        Ok(bytes)
    }
}

// ---------------------------------------------------------------------------------------------
// Random numbers.

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, and good enough for made-up data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed);
        r.next_u64();
        r
    }

    /// The stream of one park: independent of every other park's.
    fn for_park(seed: u64, index: usize) -> Self {
        let mut base = Rng::new(seed);
        let s = base.next_u64() ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        Rng::new(s)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// In [lo, hi], most draws near lo: lo + (hi - lo) u^3 (small parks are common, large ones
    /// rare).
    fn skewed(&mut self, lo: f64, hi: f64) -> f64 {
        let u = self.unit();
        lo + (hi - lo) * u * u * u
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// About standard normal (Irwin-Hall with four uniforms; no libm).
    fn normal(&mut self) -> f64 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        (s - 2.0) * 1.732_050_8
    }
}
