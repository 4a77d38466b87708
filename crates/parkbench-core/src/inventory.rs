//! The accounting: activity in canonical units -> energy in tce by carrier and CO2 by scope,
//! per park and year, with every factor and assumption recorded.
//!
//! Scope 1: fuels and industrial process CO2. Scope 2 location-based: grid and green purchased
//! electricity at the grid factor, purchased heat at the heat factor. Scope 2 market-based:
//! grid electricity at the chosen grid factor variant, green purchased and on-site renewable
//! electricity at 0. `co2_total_t` = scope 1 + market-based scope 2 (the basis of the national
//! core indicator). This module reads no files and scores nothing.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::diag::{Diagnostic, Origin};
use crate::factors::{
    ElectricityBasis, FactorUse, Factors, FuelFactorSet, GridFactor, GridVariant,
};
use crate::i18n::Text;
use crate::input::{Annual, Dataset, MetricYear, Park};
use crate::reference::{
    GreenClass, GreenClasses, Metric, ReferenceError, Vocabulary, parse_toml, read_text,
};

/// The metric that carries a park's measured CO2 factor of purchased heat.
pub const MEASURED_HEAT_FACTOR: &str = "heat_purchased_co2_factor";

/// How to account: chosen by the benchmark set (basis, variant) and the user (fuel factors).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AccountingOptions {
    pub electricity_basis: ElectricityBasis,
    pub grid_variant: GridVariant,
    /// Green electricity classes counted at zero CO2 in the market-based scope 2.
    pub green_at_zero: GreenClasses,
    pub fuel_factors: FuelFactorSet,
    pub include_process_co2: bool,
}

impl Default for AccountingOptions {
    fn default() -> Self {
        AccountingOptions {
            electricity_basis: ElectricityBasis::Equivalent,
            grid_variant: GridVariant::Average,
            green_at_zero: GreenClasses::all(),
            fuel_factors: FuelFactorSet::Cn,
            include_process_co2: true,
        }
    }
}

/// One carrier's line of the inventory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarrierLine {
    pub metric: String,
    /// Quantity in the metric's canonical unit; None when reported as unknown.
    pub quantity: Option<f64>,
    pub unit: String,
    pub tce: Option<f64>,
    /// Scope 1 or scope 2 market-based CO2.
    pub co2_t: Option<f64>,
    /// Scope 2 location-based CO2 (scope 1 carriers: same as co2_t).
    pub co2_location_t: Option<f64>,
    pub scope: u8,
    pub estimated: bool,
}

/// The inventory of one park in one year.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParkYear {
    pub park_id: String,
    pub year: i32,
    pub energy_tce: Option<f64>,
    pub co2_scope1_t: Option<f64>,
    pub co2_scope2_location_t: Option<f64>,
    pub co2_scope2_market_t: Option<f64>,
    pub co2_total_t: Option<f64>,
    pub co2_total_location_t: Option<f64>,
    pub co2_per_tce: Option<f64>,
    pub electricity_total_mwh: Option<f64>,
    pub electricity_tce: Option<f64>,
    /// Electricity proven green, every class (unclassified included), MWh.
    pub electricity_green_mwh: Option<f64>,
    /// Of it, green power physically supplied: on-site, direct supply, green power trading.
    pub electricity_green_physical_mwh: Option<f64>,
    /// Of it, grid power covered by green certificates (GEC) alone.
    pub electricity_green_certificate_mwh: Option<f64>,
    /// Energy (tce) and CO2 (t, scope 1 + market-based scope 2) resting on each evidence
    /// grade A-D, when the totals are known.
    pub energy_by_grade: Option<[f64; 4]>,
    pub co2_by_grade: Option<[f64; 4]>,
    /// Grid factor used for market-based scope 2 (tCO2/MWh), for gap conversions.
    pub grid_factor_t_per_mwh: Option<f64>,
    /// Electricity to tce at the chosen basis (tce/MWh).
    pub electricity_tce_per_mwh: f64,
    pub carriers: Vec<CarrierLine>,
    /// Every reported metric in canonical units (carriers and others), shared with the
    /// annual data it was accounted from.
    pub metrics: Arc<BTreeMap<String, MetricYear>>,
    pub land_area_km2: Option<f64>,
    /// Shared with every park-year that uses the same factor.
    pub factors: Vec<Arc<FactorUse>>,
    /// What had to be assumed (serialised in English).
    #[serde(serialize_with = "crate::i18n::english_all")]
    pub assumptions: Vec<Text>,
    /// Why the energy or CO2 total is unknown: each carrier that made it so, with its cell
    /// (empty when both totals are known). Missing is not zero, and never unexplained.
    pub unknown: Vec<UnknownTotal>,
}

fn low_share(by: [f64; 4]) -> Option<f64> {
    let total: f64 = by.iter().map(|x| x.abs()).sum();
    (total > 0.0).then(|| (by[2].abs() + by[3].abs()) / total)
}

/// One enterprise's year in its park (the park's own rows: `enterprise_id` "").
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnterpriseYear {
    pub park_id: String,
    pub enterprise_id: String,
    pub name: String,
    pub year: i32,
    pub energy_tce: Option<f64>,
    pub co2_total_t: Option<f64>,
    pub co2_per_tce: Option<f64>,
    /// Of the park's energy and CO2 in the year.
    pub energy_share: Option<f64>,
    pub co2_share: Option<f64>,
}

/// A carrier that makes a park-year's energy or CO2 total unknown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownTotal {
    /// The carrier (a metric id); empty for [`UnknownCause::NoData`].
    pub metric: String,
    pub cause: UnknownCause,
    /// `file:line:column` of its first cell, where the cause is in the data.
    pub cell: Option<String>,
}

/// Why a carrier leaves a total unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownCause {
    /// Reported with a missing-value token (NA, -, 不详 ...).
    ReportedUnknown,
    /// Reported for some months of the year only.
    MonthsMissing,
    /// No energy factor for it in the factor tables.
    NoEnergyFactor,
    /// No CO2 factor for it (for electricity: no grid factor for the park's country).
    NoCo2Factor,
    /// No energy or emission data at all for the year.
    NoData,
}

impl UnknownTotal {
    /// The reason as a message (worded by [`crate::i18n`]).
    pub fn text(&self) -> Text {
        let key = match self.cause {
            UnknownCause::ReportedUnknown => "inventory.unknown.reported",
            UnknownCause::MonthsMissing => "inventory.unknown.months",
            UnknownCause::NoEnergyFactor => "inventory.unknown.no_energy_factor",
            UnknownCause::NoCo2Factor => "inventory.unknown.no_co2_factor",
            UnknownCause::NoData => "inventory.unknown.no_data",
        };
        let t = Text::new(key).arg("metric", &self.metric);
        match &self.cell {
            Some(cell) => t!("inventory.unknown.at", reason = t, cell = cell),
            None => t,
        }
    }
}

impl ParkYear {
    /// The share of energy (tce) resting on estimates, proxies or gaps (grades C and D).
    pub fn energy_low_share(&self) -> Option<f64> {
        low_share(self.energy_by_grade?)
    }

    /// The share of CO2 resting on estimates, proxies or gaps (grades C and D).
    pub fn co2_low_share(&self) -> Option<f64> {
        low_share(self.co2_by_grade?)
    }

    /// Every reason a total is unknown, as one message (None when the totals are known).
    pub fn why_unknown(&self) -> Option<Text> {
        let mut reasons = self.unknown.iter().map(UnknownTotal::text);
        let first = reasons.next()?;
        Some(reasons.fold(first, |acc, r| t!("inventory.unknown.and", a = acc, b = r)))
    }
}

/// The inventory of a dataset, sorted by park and year, plus plausibility warnings.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub options: AccountingOptions,
    pub years: Vec<ParkYear>,
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

impl Inventory {
    /// A park's year, found by binary search (the years are sorted by park and year).
    pub fn park_year(&self, park_id: &str, year: i32) -> Option<&ParkYear> {
        self.years
            .binary_search_by(|py| (py.park_id.as_str(), py.year).cmp(&(park_id, year)))
            .ok()
            .map(|i| &self.years[i])
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Check {
    id: String,
    numerator: String,
    denominator: String,
    min: Option<f64>,
    max: Option<f64>,
    unit: String,
}

/// The plausibility checks of `indicators/plausibility.toml` (warnings on ratios that are
/// possible but unlikely), read once and handed to [`build`].
#[derive(Debug, Clone, Deserialize)]
pub struct Plausibility {
    check: Vec<Check>,
    /// Shares written as fractions with the unit `%`.
    shares: ShareSlip,
    /// Energy use jumping by orders of magnitude between years.
    jump: Jump,
}

/// A park-year whose every reported share is below `below_percent` % (at least `min_shares` of
/// them): 0.96 written with the unit `%` for 96 %.
#[derive(Debug, Clone, Copy, Deserialize)]
struct ShareSlip {
    below_percent: f64,
    min_shares: usize,
}

/// A park's energy use changing by `factor` or more from one reported year to the next.
#[derive(Debug, Clone, Copy, Deserialize)]
struct Jump {
    factor: f64,
}

impl Plausibility {
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (file, text) = read_text("plausibility.toml", None)?;
        parse_toml(&file, &text)
    }

    /// The ids of the checks (each worded as `plausibility.<id>` in the locale files).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.check
            .iter()
            .map(|c| c.id.as_str())
            .chain([SHARE_SLIP, ENERGY_JUMP])
    }
}

/// The ids of the two checks that are not ratios (worded as `plausibility.<id>`).
const SHARE_SLIP: &str = "share_as_fraction";
const ENERGY_JUMP: &str = "energy_jump";

fn add(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? + b?)
}

fn sum_opt(it: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    it.fold(Some(0.0), add)
}

impl ParkYear {
    /// All variables the indicator formulas may use, in `ix` order: inventory totals,
    /// `tce_<carrier>`, `co2_<carrier>_t`, metrics (carriers 0 when not reported),
    /// `land_area_km2`. One vector, no names made: the formulas and the plausibility checks of
    /// every park-year read it.
    pub fn values(&self, vocab: &Vocabulary, ix: &VarIndex) -> Vec<Option<f64>> {
        let mut v = vec![None; ix.names.len()];
        for ((id, &(at, tce_at, co2_at)), &carrier) in
            vocab.order.iter().zip(&ix.metric).zip(&ix.carrier)
        {
            v[at] = match self.metrics.get(id) {
                Some(my) => my.value,
                None if carrier => Some(0.0),
                None => None,
            };
            if let (true, Some(tce_at), Some(co2_at)) = (carrier, tce_at, co2_at) {
                let line = self.carriers.iter().find(|c| &c.metric == id);
                v[tce_at] = line.map_or(Some(0.0), |c| c.tce);
                v[co2_at] = line.map_or(Some(0.0), |c| c.co2_t);
            }
        }
        // A total or the land area named like a metric is the total, as it was in a map
        // filled in this order.
        for (&at, (_, x)) in ix
            .totals
            .iter()
            .zip(self.totals().named(self.electricity_tce_per_mwh))
        {
            v[at] = x;
        }
        v[ix.land] = self.land_area_km2;
        v
    }

    /// Green electricity reported without its class (neither physical nor certificates).
    pub fn electricity_green_unclassified_mwh(&self) -> Option<f64> {
        let physical = self.electricity_green_physical_mwh?;
        let certificates = self.electricity_green_certificate_mwh?;
        Some((self.electricity_green_mwh? - physical - certificates).max(0.0))
    }

    /// Were any of this park-year's rows estimates?
    pub fn has_estimates(&self) -> bool {
        self.metrics.values().any(|m| m.estimated)
    }
}

/// Names of the formula variables (in the order of `ParkYear::values`) and where each
/// metric's variables sit among them.
#[derive(Debug, Clone)]
pub struct VarIndex {
    pub names: Vec<String>,
    /// Per metric (in `Vocabulary::order`): (`metric`, `tce_<metric>`, `co2_<metric>_t`) positions.
    metric: Vec<(usize, Option<usize>, Option<usize>)>,
    totals: [usize; TOTALS],
    land: usize,
    /// Per metric (in `Vocabulary::order`): is it a carrier.
    carrier: Vec<bool>,
}

impl VarIndex {
    pub fn new(vocab: &Vocabulary) -> VarIndex {
        let mut names: Vec<String> = Vec::new();
        for id in &vocab.order {
            names.push(id.clone());
            if vocab.metrics[id].is_carrier() {
                names.push(format!("tce_{id}"));
                names.push(format!("co2_{id}_t"));
            }
        }
        names.extend(Totals::NAMES.iter().map(|t| t.to_string()));
        names.push("land_area_km2".into());
        names.sort();
        names.dedup();
        let pos = |n: &str| names.binary_search_by(|x| x.as_str().cmp(n)).ok();
        let metric = vocab
            .order
            .iter()
            .map(|id| {
                (
                    pos(id).expect("metric variable"),
                    pos(&format!("tce_{id}")),
                    pos(&format!("co2_{id}_t")),
                )
            })
            .collect();
        let totals = Totals::NAMES.map(|t| pos(t).expect("total variable"));
        let land = pos("land_area_km2").expect("land variable");
        let carrier = vocab
            .order
            .iter()
            .map(|id| vocab.metrics[id].is_carrier())
            .collect();
        VarIndex {
            names,
            metric,
            totals,
            land,
            carrier,
        }
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.binary_search_by(|x| x.as_str().cmp(name)).ok()
    }
}

/// A park-year made ready to be re-accounted many times under multipliers (Monte Carlo draws).
#[derive(Debug, Clone)]
pub struct Prepared {
    base: Vec<Option<f64>>,
    /// (metric index, value) of every reported metric with a value.
    metrics: Vec<(usize, f64)>,
    /// (metric index, line) of every carrier line.
    carriers: Vec<(usize, LineNums)>,
    /// Electricity to tce (tce/MWh).
    tce_per_mwh: f64,
}

impl ParkYear {
    /// Prepares this park-year for `Prepared::fill`.
    pub fn prepare(&self, vocab: &Vocabulary, ix: &VarIndex) -> Prepared {
        let base = self.values(vocab, ix);
        let metrics = vocab
            .order
            .iter()
            .enumerate()
            .filter_map(|(i, id)| Some((i, self.metrics.get(id)?.value?)))
            .collect();
        let carriers = self
            .carriers
            .iter()
            .filter_map(|c| {
                let i = vocab.order.iter().position(|m| m == &c.metric)?;
                Some((
                    i,
                    LineNums {
                        quantity: c.quantity,
                        tce: c.tce,
                        co2_t: c.co2_t,
                        co2_location_t: c.co2_location_t,
                        scope: c.scope,
                        electricity: vocab.metrics[&c.metric].group == "electricity",
                        green: vocab.metrics[&c.metric].green_class,
                    },
                ))
            })
            .collect();
        Prepared {
            base,
            metrics,
            carriers,
            tce_per_mwh: self.electricity_tce_per_mwh,
        }
    }
}

impl Prepared {
    /// The variables (in `VarIndex` order) with every reported quantity multiplied by
    /// `data[metric]` and every carrier's CO2 also by `co2[metric]` (metric index in
    /// `Vocabulary::order`); totals re-added as the inventory adds them.
    pub fn fill(&self, ix: &VarIndex, data: &[f64], co2: &[f64], out: &mut [Option<f64>]) {
        out.copy_from_slice(&self.base);
        for &(m, v) in &self.metrics {
            out[ix.metric[m].0] = Some(v * data[m]);
        }
        let scaled = |&(m, l): &(usize, LineNums)| {
            let (d, f) = (data[m], co2[m]);
            LineNums {
                quantity: l.quantity.map(|x| x * d),
                tce: l.tce.map(|x| x * d),
                co2_t: l.co2_t.map(|x| x * d * f),
                co2_location_t: l.co2_location_t.map(|x| x * d * f),
                ..l
            }
        };
        for c in &self.carriers {
            let l = scaled(c);
            let (_, t, k) = ix.metric[c.0];
            if let Some(t) = t {
                out[t] = l.tce;
            }
            if let Some(k) = k {
                out[k] = l.co2_t;
            }
        }
        let t = Totals::of(self.carriers.iter().map(scaled));
        if self.carriers.is_empty() {
            return;
        }
        for (i, (_, v)) in ix.totals.iter().zip(t.named(self.tce_per_mwh)) {
            out[*i] = v;
        }
    }
}

/// Builds the inventory of every valid park of a dataset.
pub fn build(
    data: &Dataset,
    annual: &Annual,
    vocab: &Vocabulary,
    factors: &Factors,
    checks: &Plausibility,
    options: AccountingOptions,
) -> Result<Inventory, ReferenceError> {
    build_part(data, annual.iter(), vocab, factors, checks, options)
}

/// [`build`] of a part of the annual values (every year of some parks: a run that streams
/// parks accounts a part at a time).
pub fn build_part<'a>(
    data: &Dataset,
    annual: impl ExactSizeIterator<Item = (&'a (String, i32), &'a Arc<BTreeMap<String, MetricYear>>)>,
    vocab: &Vocabulary,
    factors: &Factors,
    checks: &Plausibility,
    options: AccountingOptions,
) -> Result<Inventory, ReferenceError> {
    use rayon::prelude::*;
    let acc = Accountant::new(vocab, factors, options)?;
    let ix = VarIndex::new(vocab);
    let annual: Vec<_> = annual.collect();
    // Each park-year on any core, kept in the annual values' order with its warnings.
    let accounted: Vec<(ParkYear, Vec<Diagnostic>)> = annual
        .par_iter()
        .filter_map(|((park_id, year), metrics)| {
            let park = data.park(park_id)?;
            let mut py = acc.account_shared(park, *year, metrics);
            py.unknown = why_unknown(&py, data, vocab);
            let mut warnings = unknown_totals(&py, data, vocab);
            warnings.extend(unclassified_green(&py, data, vocab));
            warnings.extend(plausibility(&py, data, vocab, &ix, &checks.check));
            warnings.extend(share_slip(&py, data, vocab, checks.shares));
            Some((py, warnings))
        })
        .collect();
    let mut years = Vec::with_capacity(accounted.len());
    let mut warnings = Vec::new();
    for (py, w) in accounted {
        years.push(py);
        warnings.extend(w);
    }
    warnings.extend(energy_jumps(&years, data, vocab, checks.jump));
    Ok(Inventory {
        options,
        years,
        warnings,
    })
}

/// Accounts single park-years under one set of options: what [`build`] does for each park-year,
/// open to callers that change the activity first (pathways re-account a park with measures).
#[derive(Debug, Clone)]
pub struct Accountant<'a> {
    vocab: &'a Vocabulary,
    factors: &'a Factors,
    options: AccountingOptions,
    elec: Arc<FactorUse>,
    heat_tce: Arc<FactorUse>,
    heat_co2: Arc<FactorUse>,
    /// Fuel and grid factors as they are first asked for, shared by every park-year after.
    made: Arc<Mutex<Made>>,
}

/// The factors an accountant has looked up, each made once: a programme's park-years use the
/// same few (a fuel's, a province-year's grid), and each park-year holds them shared.
#[derive(Debug, Default)]
struct Made {
    fuels: HashMap<String, Option<Arc<Fuel>>>,
    grids: HashMap<GridKey, Option<Arc<Grid>>>,
}

/// Where and when a grid factor applies: country, province, grid region, year and variant.
type GridKey = (String, Option<String>, Option<String>, i32, GridVariant);

/// A fuel's factors, made once ([`crate::factors::FuelFactors`] with shared factors).
#[derive(Debug)]
struct Fuel {
    unit: String,
    kgce: Arc<FactorUse>,
    kgco2: Option<Arc<FactorUse>>,
    assumptions: Vec<Text>,
}

/// A grid factor, made once ([`GridFactor`] with a shared factor).
#[derive(Debug)]
struct Grid {
    factor: Arc<FactorUse>,
    t_per_mwh: f64,
    assumptions: Vec<Text>,
}

impl From<GridFactor> for Grid {
    fn from(g: GridFactor) -> Self {
        Grid {
            factor: Arc::new(g.factor),
            t_per_mwh: g.t_per_mwh,
            assumptions: g.assumptions,
        }
    }
}

impl<'a> Accountant<'a> {
    pub fn new(
        vocab: &'a Vocabulary,
        factors: &'a Factors,
        options: AccountingOptions,
    ) -> Result<Self, ReferenceError> {
        Ok(Accountant {
            vocab,
            factors,
            options,
            elec: Arc::new(factors.electricity_tce(options.electricity_basis)?),
            heat_tce: Arc::new(factors.required("heat_tce_per_gj")?),
            heat_co2: Arc::new(factors.required("heat_co2_t_per_gj")?),
            made: Arc::default(),
        })
    }

    pub fn options(&self) -> AccountingOptions {
        self.options
    }

    /// The inventory of one park-year from its metrics in canonical units (`unknown` is left
    /// empty: it needs the dataset's cells).
    pub fn account(
        &self,
        park: &Park,
        year: i32,
        metrics: &BTreeMap<String, MetricYear>,
    ) -> ParkYear {
        self.account_one(park, year, &Arc::new(metrics.clone()))
    }

    /// [`Accountant::account`] of metrics the park-year then holds shared, not copied.
    pub fn account_shared(
        &self,
        park: &Park,
        year: i32,
        metrics: &Arc<BTreeMap<String, MetricYear>>,
    ) -> ParkYear {
        self.account_one(park, year, metrics)
    }
}

/// What accounting a park-year records as it goes, in the order met: the factors used (each
/// once) and the assumptions made.
#[derive(Default)]
struct Record {
    used: Vec<Arc<FactorUse>>,
    assumptions: Vec<Text>,
}

impl Record {
    /// Records a factor used, once.
    fn factor(&mut self, f: &Arc<FactorUse>) {
        if !self.used.iter().any(|u| Arc::ptr_eq(u, f) || **u == **f) {
            self.used.push(Arc::clone(f));
        }
    }

    fn assume_once(&mut self, a: Text) {
        if !self.assumptions.contains(&a) {
            self.assumptions.push(a);
        }
    }

    fn assume(&mut self, a: Text) {
        self.assumptions.push(a);
    }
}

/// A park-year's grid factors: the average and the market-based one the options choose.
struct Grids {
    avg: Option<Arc<Grid>>,
    mkt: Option<Arc<Grid>>,
}

/// One reported carrier of a park-year, in the making of its line.
struct Carrier<'c> {
    id: &'c String,
    metric: &'c Metric,
    reported: &'c MetricYear,
}

impl Carrier<'_> {
    /// The quantity in canonical units; None when reported as unknown.
    fn q(&self) -> Option<f64> {
        self.reported.value
    }

    fn line(
        &self,
        tce: Option<f64>,
        co2_t: Option<f64>,
        co2_location_t: Option<f64>,
        scope: u8,
    ) -> CarrierLine {
        CarrierLine {
            metric: self.id.clone(),
            quantity: self.q(),
            unit: self.metric.canonical.clone(),
            tce,
            co2_t,
            co2_location_t,
            scope,
            estimated: self.reported.estimated,
        }
    }
}

impl Accountant<'_> {
    fn account_one(
        &self,
        park: &Park,
        year: i32,
        shared: &Arc<BTreeMap<String, MetricYear>>,
    ) -> ParkYear {
        let metrics: &BTreeMap<String, MetricYear> = shared;
        let vocab = self.vocab;
        let mut rec = Record::default();
        let grids = self.grids(park, year);
        if metrics
            .keys()
            .any(|k| vocab.metrics[k].group == "electricity")
        {
            self.record_grid(&grids, park, &mut rec);
        }
        let carriers: Vec<CarrierLine> = vocab
            .order
            .iter()
            .filter_map(|id| {
                // What was reported first: most metrics of the vocabulary are not.
                let reported = metrics.get(id)?;
                let c = Carrier {
                    id,
                    metric: &vocab.metrics[id],
                    reported,
                };
                c.metric
                    .is_carrier()
                    .then(|| self.carrier_line(&c, &grids, year, metrics, &mut rec))
            })
            .collect();
        let t = Totals::of(carriers.iter().map(|c| LineNums {
            quantity: c.quantity,
            tce: c.tce,
            co2_t: c.co2_t,
            co2_location_t: c.co2_location_t,
            scope: c.scope,
            electricity: vocab.metrics[&c.metric].group == "electricity",
            green: vocab.metrics[&c.metric].green_class,
        }));
        if carriers.is_empty() {
            rec.assume(t!("assumption.no_data"));
        }
        let mut py = ParkYear {
            park_id: park.park_id.clone(),
            year,
            energy_by_grade: by_grade(&carriers, metrics, t.energy_tce, |c| c.tce),
            co2_by_grade: by_grade(&carriers, metrics, t.co2_total_t, |c| c.co2_t),
            grid_factor_t_per_mwh: grids.mkt.map(|g| g.t_per_mwh),
            electricity_tce_per_mwh: self.elec.value,
            carriers,
            metrics: Arc::clone(shared),
            land_area_km2: park.land_area_km2,
            factors: rec.used,
            assumptions: rec.assumptions,
            ..ParkYear::default()
        };
        py.set_totals(t);
        py
    }

    fn grids(&self, park: &Park, year: i32) -> Grids {
        let grid = |variant| {
            let key = (
                park.country.clone(),
                park.province.clone(),
                park.grid_region.clone(),
                year,
                variant,
            );
            let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
            let made = made.grids.entry(key).or_insert_with(|| {
                self.factors
                    .grid(
                        &park.country,
                        park.province.as_deref(),
                        park.grid_region.as_deref(),
                        year,
                        variant,
                    )
                    .map(|g| Arc::new(Grid::from(g)))
            });
            made.clone()
        };
        let avg = grid(GridVariant::Average);
        let mkt = if self.options.grid_variant == GridVariant::Average {
            avg.clone()
        } else {
            grid(self.options.grid_variant)
        };
        Grids { avg, mkt }
    }

    /// The factors and assumptions of a park-year that uses electricity.
    fn record_grid(&self, grids: &Grids, park: &Park, rec: &mut Record) {
        rec.used.push(Arc::clone(&self.elec));
        for g in [&grids.avg, &grids.mkt].into_iter().flatten() {
            rec.factor(&g.factor);
            for a in &g.assumptions {
                rec.assume_once(a.clone());
            }
        }
        if grids.avg.is_none() {
            rec.assume(t!("assumption.no_grid_factor", country = &park.country));
        }
    }

    /// A carrier's line: energy and CO2 by its group's factors.
    fn carrier_line(
        &self,
        c: &Carrier,
        grids: &Grids,
        year: i32,
        metrics: &BTreeMap<String, MetricYear>,
        rec: &mut Record,
    ) -> CarrierLine {
        let q = c.q();
        if q.is_none() {
            rec.assume(t!("assumption.carrier_unknown", metric = c.id));
        }
        let mwh_tce = q.map(|x| x * self.elec.value);
        let avg = grids.avg.as_ref().map(|g| g.t_per_mwh);
        let mkt = grids.mkt.as_ref().map(|g| g.t_per_mwh);
        match (c.metric.group.as_str(), c.id.as_str()) {
            ("electricity", "electricity_grid") => c.line(
                mwh_tce,
                q.and_then(|x| Some(x * mkt?)),
                q.and_then(|x| Some(x * avg?)),
                2,
            ),
            ("electricity", _) => match c.metric.green_class {
                // Proven green: zero where the reading counts its class at zero, else the
                // market factor; location-based, the grid's average when it came over the
                // grid.
                Some(class) => {
                    let market = if self.options.green_at_zero.at_zero(class) {
                        q.map(|_| 0.0)
                    } else {
                        q.and_then(|x| Some(x * mkt?))
                    };
                    let location = if class.over_the_grid() {
                        q.and_then(|x| Some(x * avg?))
                    } else {
                        q.map(|_| 0.0)
                    };
                    c.line(mwh_tce, market, location, 2)
                }
                None => c.line(mwh_tce, q.map(|_| 0.0), q.map(|_| 0.0), 2),
            },
            ("heat", _) => self.heat_line(c, year, metrics, rec),
            ("process", _) => {
                let include = self.options.include_process_co2;
                let co2 = if include { q } else { q.map(|_| 0.0) };
                if !include {
                    rec.assume(t!("assumption.process_excluded"));
                }
                c.line(q.map(|_| 0.0), co2, co2, 1)
            }
            _ => self.fuel_line(c, rec),
        }
    }

    /// Purchased heat: at the factor the park measured (its heating plant's), else the default.
    fn heat_line(
        &self,
        c: &Carrier,
        year: i32,
        metrics: &BTreeMap<String, MetricYear>,
        rec: &mut Record,
    ) -> CarrierLine {
        let q = c.q();
        rec.factor(&self.heat_tce);
        let measured = metrics
            .get(MEASURED_HEAT_FACTOR)
            .and_then(|m| m.value)
            .map(|value| {
                Arc::new(FactorUse {
                    factor: t!("factor.heat_co2_measured"),
                    value,
                    unit: "tCO2/GJ".into(),
                    source: MEASURED_HEAT_FACTOR.into(),
                    vintage: Some(year),
                    status: "reported".into(),
                })
            });
        let factor = measured.as_ref().unwrap_or(&self.heat_co2);
        rec.factor(factor);
        let co2 = q.map(|x| x * factor.value);
        c.line(q.map(|x| x * self.heat_tce.value), co2, co2, 2)
    }

    /// A fuel's factors under the chosen table, made on first use.
    fn fuel(&self, id: &str) -> Option<Arc<Fuel>> {
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = made.fuels.get(id) {
            return f.clone();
        }
        let fuel = self
            .factors
            .fuel(self.options.fuel_factors, id, self.vocab)
            .map(|ff| {
                Arc::new(Fuel {
                    unit: ff.unit,
                    kgce: Arc::new(ff.kgce),
                    kgco2: ff.kgco2.map(Arc::new),
                    assumptions: ff.assumptions,
                })
            });
        made.fuels.insert(id.to_string(), fuel.clone());
        fuel
    }

    /// A fuel: at the chosen fuel factors, converted to the factor's unit.
    fn fuel_line(&self, c: &Carrier, rec: &mut Record) -> CarrierLine {
        let (vocab, m, id) = (self.vocab, c.metric, c.id);
        let Some(ff) = self.fuel(id) else {
            rec.assume(t!("assumption.no_factors", metric = id));
            return c.line(None, None, None, 1);
        };
        let canonical = vocab.units.find(&m.dimension, &m.canonical);
        let per = vocab.units.find(&m.dimension, &ff.unit);
        // Quantity in the factor's unit; kg-per-unit factors give kg, / 1000 gives t.
        let q_factor_unit = match (canonical, per) {
            (Some(cu), Some(p)) => c.q().map(|x| vocab.units.convert(x, cu, p)),
            _ => None,
        };
        rec.factor(&ff.kgce);
        if let Some(co2) = &ff.kgco2 {
            rec.factor(co2);
        } else {
            rec.assume(t!("assumption.no_co2_factor", metric = id));
        }
        for a in &ff.assumptions {
            rec.assume_once(a.clone());
        }
        let tce = q_factor_unit.map(|x| x * ff.kgce.value / 1000.0);
        let co2 = q_factor_unit.and_then(|x| Some(x * ff.kgco2.as_ref()?.value / 1000.0));
        c.line(tce, co2, co2, 1)
    }
}

/// A total split by the evidence grades A-D of the rows it rests on (None when the total is).
fn by_grade(
    carriers: &[CarrierLine],
    metrics: &BTreeMap<String, MetricYear>,
    total: Option<f64>,
    of: fn(&CarrierLine) -> Option<f64>,
) -> Option<[f64; 4]> {
    total?;
    let mut out = [0.0; 4];
    for c in carriers {
        let share = metrics.get(&c.metric).map(|m| m.grades).unwrap_or_default();
        for (o, s) in out.iter_mut().zip(share.0) {
            *o += of(c).unwrap_or(0.0) * s;
        }
    }
    Some(out)
}

/// The numbers of a carrier line that the totals add up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineNums {
    pub quantity: Option<f64>,
    pub tce: Option<f64>,
    pub co2_t: Option<f64>,
    pub co2_location_t: Option<f64>,
    pub scope: u8,
    pub electricity: bool,
    /// The class of electricity proven green.
    pub green: Option<GreenClass>,
}

/// The inventory's totals, listed once: each is a field of [`Totals`] and of [`ParkYear`], and a
/// formula variable of the same name. `$then` receives the list.
macro_rules! with_totals {
    ($then:ident) => {
        $then! {
            energy_tce,
            co2_scope1_t,
            co2_scope2_location_t,
            co2_scope2_market_t,
            co2_total_t,
            co2_total_location_t,
            co2_per_tce,
            electricity_total_mwh,
            electricity_tce,
            electricity_green_mwh,
            electricity_green_physical_mwh,
            electricity_green_certificate_mwh,
        }
    };
}

/// [`Totals`], its formula variables, and its copies to and from a [`ParkYear`], from the list.
macro_rules! define_totals {
    ($($total:ident,)*) => {
        /// The number of [`Totals`] a formula can use (their names in [`Totals::NAMES`]): each
        /// total, and `tce_electricity_green`.
        const TOTALS: usize = [$(stringify!($total),)*].len() + 1;

        /// A park-year's totals; all None when no carrier was reported, and a sum is None when
        /// one of its parts is unknown (missing is not zero).
        #[derive(Debug, Clone, Copy, PartialEq, Default)]
        pub struct Totals {
            $(pub $total: Option<f64>,)*
        }

        impl Totals {
            /// The formula variables of the totals, in the order of [`Totals::named`].
            pub const NAMES: [&'static str; TOTALS] =
                [$(stringify!($total),)* "tce_electricity_green"];

            /// The totals as formula variables (`tce_electricity_green`: green power in tce at
            /// `tce_per_mwh`).
            pub fn named(&self, tce_per_mwh: f64) -> [(&'static str, Option<f64>); TOTALS] {
                [
                    $((stringify!($total), self.$total),)*
                    (
                        "tce_electricity_green",
                        self.electricity_green_mwh.map(|x| x * tce_per_mwh),
                    ),
                ]
            }
        }

        impl ParkYear {
            /// The totals the inventory added up.
            pub fn totals(&self) -> Totals {
                Totals {
                    $($total: self.$total,)*
                }
            }

            /// Sets the park-year's totals.
            fn set_totals(&mut self, t: Totals) {
                $(self.$total = t.$total;)*
            }
        }
    };
}

with_totals!(define_totals);

impl Totals {
    pub fn of(lines: impl Iterator<Item = LineNums> + Clone) -> Totals {
        if lines.clone().next().is_none() {
            return Totals::default();
        }
        let total = |f: &dyn Fn(&LineNums) -> Option<f64>, scope: Option<u8>| {
            sum_opt(
                lines
                    .clone()
                    .filter(|c| scope.is_none_or(|s| c.scope == s))
                    .map(|c| f(&c)),
            )
        };
        let green = |which: &dyn Fn(GreenClass) -> bool| {
            sum_opt(
                lines
                    .clone()
                    .filter(|c| c.green.is_some_and(which))
                    .map(|c| c.quantity),
            )
        };
        let energy_tce = total(&|c| c.tce, None);
        let co2_scope1_t = total(&|c| c.co2_t, Some(1));
        let co2_scope2_market_t = total(&|c| c.co2_t, Some(2));
        let co2_scope2_location_t = total(&|c| c.co2_location_t, Some(2));
        let co2_total_t = add(co2_scope1_t, co2_scope2_market_t);
        let co2_per_tce = match (co2_total_t, energy_tce) {
            (Some(c), Some(e)) if e > 0.0 => Some(c / e),
            _ => None,
        };
        Totals {
            energy_tce,
            co2_scope1_t,
            co2_scope2_location_t,
            co2_scope2_market_t,
            co2_total_t,
            co2_total_location_t: add(co2_scope1_t, co2_scope2_location_t),
            co2_per_tce,
            electricity_total_mwh: sum_opt(
                lines.clone().filter(|c| c.electricity).map(|c| c.quantity),
            ),
            electricity_tce: sum_opt(lines.clone().filter(|c| c.electricity).map(|c| c.tce)),
            electricity_green_mwh: green(&|_| true),
            electricity_green_physical_mwh: green(&|g| {
                matches!(
                    g,
                    GreenClass::Onsite | GreenClass::DirectSupply | GreenClass::GreenPowerTrading
                )
            }),
            electricity_green_certificate_mwh: green(&|g| g == GreenClass::Gec),
        }
    }
}

/// The carriers that leave the energy or CO2 total unknown, each with its first cell.
fn why_unknown(py: &ParkYear, data: &Dataset, vocab: &Vocabulary) -> Vec<UnknownTotal> {
    if py.energy_tce.is_some() && py.co2_total_t.is_some() {
        return Vec::new();
    }
    if py.carriers.is_empty() {
        return vec![UnknownTotal {
            metric: String::new(),
            cause: UnknownCause::NoData,
            cell: None,
        }];
    }
    let mut out = Vec::new();
    for c in &py.carriers {
        let cause = if c.quantity.is_none() {
            let mi = vocab.order.iter().position(|m| *m == c.metric);
            let incomplete = mi.is_some_and(|mi| {
                data.activity
                    .group(&py.park_id, py.year, mi as u16)
                    .is_some_and(|g| g.incomplete)
            });
            if incomplete {
                UnknownCause::MonthsMissing
            } else {
                UnknownCause::ReportedUnknown
            }
        } else if c.tce.is_none() && py.energy_tce.is_none() {
            UnknownCause::NoEnergyFactor
        } else if c.co2_t.is_none() && py.co2_total_t.is_none() {
            UnknownCause::NoCo2Factor
        } else {
            continue;
        };
        let cell = vocab
            .order
            .iter()
            .position(|m| *m == c.metric)
            .and_then(|mi| data.first_row(&py.park_id, py.year, mi as u16))
            .filter(|_| {
                matches!(
                    cause,
                    UnknownCause::ReportedUnknown | UnknownCause::MonthsMissing
                )
            })
            .map(|(file, line, column)| crate::diag::location(file, line, column));
        out.push(UnknownTotal {
            metric: c.metric.clone(),
            cause,
            cell,
        });
    }
    out
}

/// A carrier reported as unknown (NA, -, 不详 ...) makes the park-year's energy and CO2 totals
/// unknown: a warning at its first cell says so, so a blank total is never unexplained. (Months
/// missing from a year are warned about where they are read.)
fn unknown_totals(py: &ParkYear, data: &Dataset, vocab: &Vocabulary) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in py.carriers.iter().filter(|c| c.quantity.is_none()) {
        let Some(mi) = vocab.order.iter().position(|m| *m == c.metric) else {
            continue;
        };
        let Some((file, line, column)) = data.first_row(&py.park_id, py.year, mi as u16) else {
            continue;
        };
        let months_missing = data
            .activity
            .group(&py.park_id, py.year, mi as u16)
            .is_some_and(|g| g.incomplete);
        if months_missing {
            continue;
        }
        out.push(
            Diagnostic::warning(
                file,
                line,
                column,
                t!(
                    "diag.carrier_unknown",
                    park = &py.park_id,
                    year = py.year,
                    metric = &c.metric
                ),
            )
            .expected(t!("diag.expected.carrier_number"))
            .park(&py.park_id),
        );
    }
    out
}

/// Green electricity reported without its class: counted as proven green, with a warning that
/// asks for its class (the national method checks each class apart).
fn unclassified_green(py: &ParkYear, data: &Dataset, vocab: &Vocabulary) -> Vec<Diagnostic> {
    py.carriers
        .iter()
        .filter(|c| vocab.metrics[&c.metric].green_class == Some(GreenClass::Unclassified))
        .filter_map(|c| {
            let mwh = c.quantity.filter(|&q| q > 0.0)?;
            let (file, line, column) = at_metric(py, data, vocab, &c.metric);
            Some(
                Diagnostic::warning(
                    file,
                    line,
                    column,
                    t!(
                        "diag.green_unclassified",
                        park = &py.park_id,
                        year = py.year,
                        mwh = format!("{mwh:.0}"),
                        metric = &c.metric
                    ),
                )
                .hint(t!("diag.hint.green_unclassified"))
                .park(&py.park_id),
            )
        })
        .collect()
}

/// Where a park-year's metric was first written (its file, line and column), for a warning.
fn at_metric(
    py: &ParkYear,
    data: &Dataset,
    vocab: &Vocabulary,
    metric: &str,
) -> (Origin, usize, usize) {
    vocab
        .order
        .iter()
        .position(|m| m == metric)
        .and_then(|mi| data.first_row(&py.park_id, py.year, mi as u16))
        .map_or_else(
            || (Origin::file("activity"), 0, 0),
            |(f, l, c)| (f.clone(), l, c),
        )
}

/// Every share of the park-year is below `below_percent` %: fractions written with `%`?
fn share_slip(
    py: &ParkYear,
    data: &Dataset,
    vocab: &Vocabulary,
    c: ShareSlip,
) -> Option<Diagnostic> {
    let shares: Vec<(&String, f64)> = py
        .metrics
        .iter()
        .filter(|(id, _)| {
            vocab
                .metrics
                .get(*id)
                .is_some_and(|m| m.dimension == "share")
        })
        .filter_map(|(id, v)| Some((id, v.value?)))
        .collect();
    let below = c.below_percent / 100.0;
    if shares.len() < c.min_shares.max(1) || shares.iter().any(|(_, v)| *v >= below) {
        return None;
    }
    let (first, v) = shares[0];
    let (file, line, col) = at_metric(py, data, vocab, first);
    Some(
        Diagnostic::warning(
            &file,
            line,
            col,
            t!(
                "diag.implausible",
                park = &py.park_id,
                year = py.year,
                check = Text::new(concat!("plausibility.", "share_as_fraction")),
                id = SHARE_SLIP
            ),
        )
        .value(format!("{} %", v * 100.0))
        .expected(t!(
            "diag.expected.at_least",
            min = c.below_percent,
            unit = "%"
        ))
        .park(&py.park_id),
    )
}

/// A park's energy use changing by `factor` or more between two reported years: a unit slip
/// (kWh for MWh) or a file missing, not a real change. Years are in park and year order.
fn energy_jumps(
    years: &[ParkYear],
    data: &Dataset,
    vocab: &Vocabulary,
    c: Jump,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for w in years.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (Some(ea), Some(eb)) = (a.energy_tce, b.energy_tce) else {
            continue;
        };
        if a.park_id != b.park_id || ea <= 0.0 || eb <= 0.0 {
            continue;
        }
        let ratio = eb / ea;
        if ratio < c.factor && 1.0 / ratio < c.factor {
            continue;
        }
        // Point at the later year's largest carrier.
        let largest = b
            .carriers
            .iter()
            .filter_map(|l| Some((l.tce?, &l.metric)))
            .max_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        let (file, line, col) = at_metric(b, data, vocab, &largest);
        out.push(
            Diagnostic::warning(
                &file,
                line,
                col,
                t!(
                    "diag.implausible",
                    park = &b.park_id,
                    year = b.year,
                    check = Text::new(concat!("plausibility.", "energy_jump")),
                    id = ENERGY_JUMP
                ),
            )
            .value(format!(
                "{ea:.1} tce ({}) -> {eb:.1} tce ({})",
                a.year, b.year
            ))
            .expected(t!("diag.expected.within_factor", factor = c.factor))
            .park(&b.park_id),
        );
    }
    out
}

fn plausibility(
    py: &ParkYear,
    data: &Dataset,
    vocab: &Vocabulary,
    ix: &VarIndex,
    checks: &[Check],
) -> Vec<Diagnostic> {
    let values = py.values(vocab, ix);
    let value = |name: &str| ix.position(name).and_then(|i| values[i]);
    let mut out = Vec::new();
    for c in checks {
        let (Some(n), Some(d)) = (value(&c.numerator), value(&c.denominator)) else {
            continue;
        };
        if d <= 0.0 {
            continue;
        }
        let r = n / d;
        let low = c.min.is_some_and(|m| r < m);
        let high = c.max.is_some_and(|m| r > m);
        if !(low || high) {
            continue;
        }
        // Point at the first row of the numerator metric, else of the denominator.
        let row = [&c.numerator, &c.denominator].into_iter().find_map(|name| {
            let mi = vocab.order.iter().position(|m| m == name)? as u16;
            data.first_row(&py.park_id, py.year, mi)
        });
        let (file, line, col) = row.map_or_else(
            || (Origin::file("activity"), 0, 0),
            |(f, l, c)| (f.clone(), l, c),
        );
        let range = match (c.min, c.max) {
            (Some(a), Some(b)) => t!("diag.expected.range", min = a, max = b, unit = &c.unit),
            (None, Some(b)) => t!("diag.expected.at_most_unit", max = b, unit = &c.unit),
            (Some(a), None) => t!("diag.expected.at_least", min = a, unit = &c.unit),
            (None, None) => Text::verbatim(""),
        };
        out.push(
            Diagnostic::warning(
                &file,
                line,
                col,
                t!(
                    "diag.implausible",
                    park = &py.park_id,
                    year = py.year,
                    check = Text::new_owned(format!("plausibility.{}", c.id)),
                    id = &c.id
                ),
            )
            .value(format!("{r:.4} {}", c.unit))
            .expected(range)
            .park(&py.park_id),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Locale};

    #[test]
    fn every_plausibility_check_is_worded_in_every_language() {
        let checks = Plausibility::embedded().expect("plausibility.toml");
        let mut n = 0;
        for id in checks.ids() {
            n += 1;
            for lang in Lang::ALL {
                assert!(
                    Locale::get(lang).has_key(&format!("plausibility.{id}")),
                    "{lang:?} has no words for the check {id}"
                );
            }
        }
        assert!(n >= 5, "{n} checks");
    }
}
