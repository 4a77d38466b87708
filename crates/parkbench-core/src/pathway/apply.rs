//! What a measure does to a park's activity (metrics in canonical units) and what it costs.
//! The inventory is then recomputed by [`crate::inventory::Accountant`]: this module changes
//! quantities only, never CO2 directly, so the accounting stays the one of `score`.

use serde::Serialize;
use std::collections::BTreeMap;

use super::measures::{Catalogue, Kind, Measure, SiteLimit};
use crate::i18n::Text;
use crate::input::{MetricYear, Park};
use crate::inventory::Accountant;
use crate::reference::{GreenClass, Vocabulary};
use crate::scoring::fmt_qty;

/// A park-year's metrics in canonical units (what measures change).
pub type Metrics = BTreeMap<String, MetricYear>;

/// What applying a measure did: its size, what it moved and its costs per year (CNY).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// In the measure's size unit (MW, share, rate).
    pub size: f64,
    /// What it moved (MWh bought green or generated, GJ of heat, t captured, m3 reused ...).
    pub amount: f64,
    pub amount_unit: &'static str,
    pub capex_cny: f64,
    /// Capital recovered per year at the discount rate over the lifetime.
    pub annual_capital_cny: f64,
    pub fixed_om_cny: f64,
    pub variable_om_cny: f64,
    /// Change in energy and certificate bills; None when a changed carrier has no price.
    pub energy_cost_cny: Option<f64>,
    /// Carriers whose price is missing (why `energy_cost_cny` is None).
    pub unpriced: Vec<String>,
    /// Changes to metrics (canonical units), in the order made.
    pub deltas: Vec<(String, f64)>,
    #[serde(serialize_with = "crate::i18n::english_all")]
    pub notes: Vec<Text>,
}

impl Effect {
    /// tCO2/yr it cuts, from its changes and the carriers' CO2 per unit (None when a changed
    /// carrier has no CO2 factor; metrics that are not carriers emit nothing).
    pub fn abatement(&self, ctx: &Ctx) -> Option<f64> {
        let mut cut = 0.0;
        for (c, d) in &self.deltas {
            let carrier = ctx.vocab.metrics.get(c).is_some_and(|m| m.is_carrier());
            if carrier {
                cut -= d * ctx.co2.get(c)?;
            }
        }
        Some(cut)
    }

    /// The cost per year: capital, O&M and bills (None when a bill is unknown).
    pub fn annual_cost_cny(&self) -> Option<f64> {
        Some(
            self.annual_capital_cny
                + self.fixed_om_cny
                + self.variable_om_cny
                + self.energy_cost_cny?,
        )
    }
}

/// Capital recovery factor: the share of a capital sum paid each year over `years` at `rate`.
pub fn capital_recovery(rate: f64, years: f64) -> f64 {
    if rate.abs() < 1e-12 {
        1.0 / years
    } else {
        let g = (1.0 + rate).powf(years);
        rate * g / (g - 1.0)
    }
}

/// What the measures of one park need besides its metrics: the park, the catalogue, physical
/// energy content per carrier and the discount rate.
#[derive(Debug, Clone)]
pub struct Ctx<'a> {
    pub catalogue: &'a Catalogue,
    pub park: &'a Park,
    pub vocab: &'a Vocabulary,
    /// GJ per canonical unit of every carrier and energy metric with a known content.
    pub gj: BTreeMap<String, f64>,
    /// tCO2 (scope 1 + market-based scope 2) per canonical unit of every carrier whose factor
    /// is known, as the accountant counts it: CO2 is linear in the quantities, so a measure's
    /// abatement is its changes times these.
    pub co2: BTreeMap<String, f64>,
    pub discount_rate: f64,
}

impl<'a> Ctx<'a> {
    /// Physical energy content of each carrier: electricity and heat from the units file, fuels
    /// from their standard-coal factor (tce x GJ per tce) as the accountant finds it.
    pub fn new(
        catalogue: &'a Catalogue,
        park: &'a Park,
        vocab: &'a Vocabulary,
        acc: &Accountant,
        year: i32,
    ) -> Self {
        let mut gj = BTreeMap::new();
        let mut co2 = BTreeMap::new();
        let unit_gj = |u: &str| vocab.units.find("energy", u).map(|u| u.to_canonical);
        let gj_per_tce = unit_gj("tce");
        let unit = |id: &str| {
            Metrics::from([(
                id.to_string(),
                MetricYear {
                    value: Some(1.0),
                    estimated: false,
                    months: 0,
                    grades: Default::default(),
                },
            )])
        };
        for id in &vocab.order {
            let m = &vocab.metrics[id];
            if m.is_carrier()
                && let Some(k) = acc.account(park, year, &unit(id)).co2_total_t
            {
                co2.insert(id.clone(), k);
            }
            if m.dimension == "energy" {
                if let Some(k) = unit_gj(&m.canonical) {
                    gj.insert(id.clone(), k);
                }
            } else if m.group == "fuel" {
                let py = acc.account(park, year, &unit(id));
                if let (Some(tce), Some(k)) = (py.energy_tce, gj_per_tce) {
                    gj.insert(id.clone(), tce * k);
                }
            }
        }
        Ctx {
            catalogue,
            park,
            vocab,
            gj,
            co2,
            discount_rate: catalogue.discount_rate.value,
        }
    }

    fn crf(&self, years: f64) -> f64 {
        capital_recovery(self.discount_rate, years)
    }

    /// The price of a carrier per canonical unit: own generation costs nothing per MWh (its
    /// cost is capital and O&M); green electricity bought (certificates, trading, direct
    /// supply) is billed at the grid tariff (a premium is the measure's own price).
    fn price(&self, carrier: &str) -> Option<f64> {
        let prov = self.park.province.as_deref();
        let class = self.vocab.metrics.get(carrier).and_then(|m| m.green_class);
        match carrier {
            _ if class == Some(GreenClass::Onsite) => Some(0.0),
            _ if class.is_some() => self.price("electricity_grid"),
            c if !self.vocab.metrics.get(c).is_some_and(|m| m.is_carrier()) => Some(0.0),
            "process_co2" => Some(0.0),
            c => self.catalogue.price(c, prov).map(|p| p.value),
        }
    }
}

fn value(state: &Metrics, id: &str) -> Result<f64, Text> {
    match state.get(id) {
        None => Ok(0.0),
        Some(m) => m.value.ok_or_else(|| t!("plan.skip.unknown", metric = id)),
    }
}

fn add(state: &mut Metrics, id: &str, delta: f64, deltas: &mut Vec<(String, f64)>) {
    if delta == 0.0 {
        return;
    }
    let e = state.entry(id.to_string()).or_insert(MetricYear {
        value: Some(0.0),
        estimated: false,
        months: 0,
        grades: Default::default(),
    });
    // Rounding may leave a hair below zero when a carrier is used up.
    e.value = e.value.map(|v| (v + delta).max(0.0));
    deltas.push((id.to_string(), delta));
}

/// The largest size of a measure at this park in this state, or why it does not apply.
pub fn max_size(m: &Measure, ctx: &Ctx, state: &Metrics) -> Result<f64, Text> {
    let nothing = |metric: &str| t!("plan.skip.nothing", metric = metric);
    let size = match &m.kind {
        Kind::GreenPurchase { max_share, .. } => {
            if value(state, "electricity_grid")? <= 0.0 {
                return Err(nothing("electricity_grid"));
            }
            *max_share
        }
        Kind::OnsiteRenewable {
            tech,
            limit,
            max_share,
            ..
        } => {
            let grid = value(state, "electricity_grid")?;
            if grid <= 0.0 {
                return Err(nothing("electricity_grid"));
            }
            let hours = ctx
                .catalogue
                .hours(tech, ctx.park.province.as_deref())
                .map(|h| h.value)
                .filter(|h| *h > 0.0)
                .ok_or_else(|| t!("plan.skip.no_hours", tech = tech))?;
            let site_mw = site_mw(limit, ctx.park)?.0;
            site_mw.min(grid * max_share / hours)
        }
        Kind::Substitute {
            from,
            to,
            max_share,
            ..
        } => {
            value(state, to)?;
            if !ctx.gj.contains_key(to) {
                return Err(t!("plan.skip.no_content", metric = to));
            }
            let mut any = false;
            for c in from {
                any |= value(state, c)? > 0.0 && ctx.gj.contains_key(c);
            }
            if !any {
                return Err(nothing(&from.join(", ")));
            }
            *max_share
        }
        Kind::Efficiency {
            carriers,
            max_share,
            ..
        } => {
            let mut any = false;
            for c in carriers {
                any |= value(state, c)? > 0.0 && ctx.gj.contains_key(c);
            }
            if !any {
                return Err(nothing(&carriers.join(", ")));
            }
            *max_share
        }
        Kind::WasteHeat {
            max_rate,
            displaces,
            ..
        } => {
            let (cur, _) = rate(state, "waste_heat_recovered", "waste_heat_recoverable")?;
            for c in displaces {
                value(state, c)?;
            }
            if cur >= *max_rate {
                return Err(t!(
                    "plan.skip.rate_reached",
                    metric = crate::reference::metric_text("waste_heat_recovered"),
                    rate = fmt_share(cur)
                ));
            }
            *max_rate
        }
        Kind::Capture { max_share, .. } => {
            if value(state, "process_co2")? <= 0.0 {
                return Err(nothing("process_co2"));
            }
            value(state, "heat_purchased")?;
            value(state, "electricity_grid")?;
            *max_share
        }
        Kind::Resource {
            numerator,
            denominator,
            offsets,
            max_rate,
            ..
        } => {
            let (cur, _) = rate(state, numerator, denominator)?;
            if let Some(o) = offsets {
                value(state, o)?;
            }
            if cur >= *max_rate {
                return Err(t!(
                    "plan.skip.rate_reached",
                    metric = crate::reference::metric_text(numerator),
                    rate = fmt_share(cur)
                ));
            }
            *max_rate
        }
    };
    if size > 0.0 {
        Ok(size)
    } else {
        Err(t!("plan.skip.zero_size"))
    }
}

/// A share as a percentage for messages.
pub fn fmt_share(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The current rate numerator / denominator (and the denominator); an error when the
/// denominator is not reported.
fn rate(state: &Metrics, num: &str, den: &str) -> Result<(f64, f64), Text> {
    let d = match state.get(den) {
        Some(MetricYear { value: Some(d), .. }) if *d > 0.0 => *d,
        _ => return Err(t!("plan.skip.no_denominator", metric = den)),
    };
    Ok((value(state, num)? / d, d))
}

/// The MW a site can host and the assumption made to find it, if any.
fn site_mw(limit: &SiteLimit, park: &Park) -> Result<(f64, Option<Text>), Text> {
    match limit {
        SiteLimit::Roof {
            kw_per_m2,
            usable_share,
            land_roof_share,
        } => {
            let (roof_m2, note) = match (park.roof_area_m2, park.land_area_km2) {
                (Some(r), _) => (r, None),
                (None, Some(land)) => {
                    let m2 = land * 1e6 * land_roof_share;
                    (
                        m2,
                        Some(t!(
                            "plan.note.roof_from_land",
                            share = fmt_share(*land_roof_share),
                            m2 = fmt_qty(m2)
                        )),
                    )
                }
                (None, None) => return Err(t!("plan.skip.no_area")),
            };
            Ok((roof_m2 * usable_share * kw_per_m2 / 1000.0, note))
        }
        SiteLimit::Land { mw_per_km2 } => match park.land_area_km2 {
            Some(land) => Ok((land * mw_per_km2, None)),
            None => Err(t!("plan.skip.no_land")),
        },
    }
}

/// The size of a measure at `fraction` (0-1) of the way from nothing to `max`: for rate
/// measures from today's rate to the highest rate.
pub fn size_at(m: &Measure, state: &Metrics, max: f64, fraction: f64) -> f64 {
    let f = fraction.clamp(0.0, 1.0);
    let current = match &m.kind {
        Kind::WasteHeat { .. } => rate(state, "waste_heat_recovered", "waste_heat_recoverable")
            .map(|r| r.0)
            .unwrap_or(0.0),
        Kind::Resource {
            numerator,
            denominator,
            ..
        } => rate(state, numerator, denominator)
            .map(|r| r.0)
            .unwrap_or(0.0),
        _ => 0.0,
    };
    current + f * (max - current)
}

/// Applies a measure of `size` (at most its [`max_size`]) to `state`.
pub fn apply(m: &Measure, ctx: &Ctx, state: &mut Metrics, size: f64) -> Result<Effect, Text> {
    let max = max_size(m, ctx, state)?;
    let size = size.clamp(0.0, max.max(size_floor(m, state)));
    let mut deltas = Vec::new();
    let mut notes = Vec::new();
    let gj = |c: &str| ctx.gj.get(c).copied().unwrap_or(f64::NAN);
    let mwh_gj = gj("electricity_grid");
    let (mut capex, mut annual_capital, mut fixed_om, mut variable_om) = (0.0, 0.0, 0.0, 0.0);
    let mut extra_bill = 0.0;
    let (amount, amount_unit) = match &m.kind {
        Kind::GreenPurchase { price, to, .. } => {
            let moved = value(state, "electricity_grid")? * size;
            add(state, "electricity_grid", -moved, &mut deltas);
            add(state, to, moved, &mut deltas);
            match ctx.catalogue.price(price, ctx.park.province.as_deref()) {
                Some(p) => extra_bill = moved * p.value,
                None => extra_bill = f64::NAN,
            }
            (moved, "MWh")
        }
        Kind::OnsiteRenewable {
            tech,
            capex_per_kw,
            fixed_om: fom,
            lifetime,
            limit,
            ..
        } => {
            let hours = ctx
                .catalogue
                .hours(tech, ctx.park.province.as_deref())
                .map_or(0.0, |h| h.value);
            if let Ok((_, Some(note))) = site_mw(limit, ctx.park) {
                notes.push(note);
            }
            let generated = size * hours;
            let used = generated.min(value(state, "electricity_grid")?);
            add(state, "electricity_grid", -used, &mut deltas);
            add(state, "electricity_onsite_renewable", used, &mut deltas);
            capex = size * 1000.0 * capex_per_kw;
            annual_capital = capex * ctx.crf(*lifetime);
            fixed_om = capex * fom;
            (used, "MWh")
        }
        Kind::Substitute {
            from,
            to,
            efficiency_from,
            efficiency_to,
            capex_per_kw,
            fixed_om: fom,
            variable_om_per_gj,
            lifetime,
            operating_hours,
            ..
        } => {
            let mut useful = 0.0;
            for c in from {
                let q = value(state, c)? * size;
                if q > 0.0 && ctx.gj.contains_key(c) {
                    useful += q * gj(c) * efficiency_from;
                    add(state, c, -q, &mut deltas);
                }
            }
            add(state, to, useful / efficiency_to / gj(to), &mut deltas);
            let kw = useful / mwh_gj / operating_hours * 1000.0;
            capex = kw * capex_per_kw;
            annual_capital = capex * ctx.crf(*lifetime);
            fixed_om = capex * fom;
            variable_om = useful * variable_om_per_gj;
            (useful, "GJ")
        }
        Kind::Efficiency {
            carriers,
            capex_per_gj,
            lifetime,
            ..
        } => {
            let mut saved = 0.0;
            for c in carriers {
                let q = value(state, c)? * size;
                if q > 0.0 && ctx.gj.contains_key(c) {
                    saved += q * gj(c);
                    add(state, c, -q, &mut deltas);
                }
            }
            capex = saved * capex_per_gj;
            annual_capital = capex * ctx.crf(*lifetime);
            (saved, "GJ")
        }
        Kind::WasteHeat {
            displaces,
            efficiency_displaced,
            capex_per_gj,
            fixed_om: fom,
            lifetime,
            ..
        } => {
            let (cur, recoverable) = rate(state, "waste_heat_recovered", "waste_heat_recoverable")?;
            let added_gj = (size - cur).max(0.0) * recoverable * gj("waste_heat_recoverable");
            add(
                state,
                "waste_heat_recovered",
                added_gj / gj("waste_heat_recovered"),
                &mut deltas,
            );
            let mut left = added_gj;
            for c in displaces {
                let have = value(state, c)? * gj(c);
                if left <= 0.0 || have.is_nan() || have <= 0.0 {
                    continue;
                }
                let is_heat = ctx.vocab.metrics.get(c).is_some_and(|x| x.group == "heat");
                let per = if is_heat { 1.0 } else { *efficiency_displaced };
                let take = (left / per).min(have);
                add(state, c, -take / gj(c), &mut deltas);
                left -= take * per;
            }
            if left > 1e-9 * added_gj.max(1.0) {
                notes.push(t!("plan.note.heat_unused", gj = fmt_qty(left)));
            }
            capex = added_gj * capex_per_gj;
            annual_capital = capex * ctx.crf(*lifetime);
            fixed_om = capex * fom;
            (added_gj, "GJ")
        }
        Kind::Capture {
            capture_rate,
            capex_per_t_h,
            variable_om_per_t,
            heat_gj_per_t,
            electricity_mwh_per_t,
            lifetime,
            operating_hours,
            ..
        } => {
            let captured = value(state, "process_co2")? * size * capture_rate;
            add(state, "process_co2", -captured, &mut deltas);
            add(
                state,
                "heat_purchased",
                captured * heat_gj_per_t / gj("heat_purchased"),
                &mut deltas,
            );
            add(
                state,
                "electricity_grid",
                captured * electricity_mwh_per_t,
                &mut deltas,
            );
            capex = captured / operating_hours * capex_per_t_h;
            annual_capital = capex * ctx.crf(*lifetime);
            variable_om = captured * variable_om_per_t;
            notes.push(t!("plan.note.storage_not_priced"));
            (captured, "t")
        }
        Kind::Resource {
            numerator,
            denominator,
            offsets,
            cost_per_unit,
            ..
        } => {
            let (cur, den) = rate(state, numerator, denominator)?;
            let added = (size - cur).max(0.0) * den;
            add(state, numerator, added, &mut deltas);
            if let Some(o) = offsets {
                let take = added.min(value(state, o)?);
                add(state, o, -take, &mut deltas);
            }
            variable_om = added * cost_per_unit;
            let unit =
                ctx.vocab
                    .metrics
                    .get(numerator)
                    .map_or("", |x| match x.canonical.as_str() {
                        "m3" => "m3",
                        "t" => "t",
                        _ => "unit",
                    });
            (added, unit)
        }
    };
    let mut bill = if extra_bill.is_nan() {
        None
    } else {
        Some(extra_bill)
    };
    let mut unpriced = Vec::new();
    if extra_bill.is_nan()
        && let Kind::GreenPurchase { price, .. } = &m.kind
    {
        unpriced.push(price.clone());
    }
    for (c, d) in &deltas {
        match ctx.price(c) {
            Some(p) => bill = bill.map(|b| b + d * p),
            None => {
                if !unpriced.contains(c) {
                    unpriced.push(c.clone());
                }
                bill = None;
            }
        }
    }
    Ok(Effect {
        size,
        amount,
        amount_unit,
        capex_cny: capex,
        annual_capital_cny: annual_capital,
        fixed_om_cny: fixed_om,
        variable_om_cny: variable_om,
        energy_cost_cny: bill,
        unpriced,
        deltas,
        notes,
    })
}

/// Rate measures may be asked for a rate below today's (nothing to do): never below it.
fn size_floor(m: &Measure, state: &Metrics) -> f64 {
    size_at(m, state, 0.0, 0.0).max(0.0)
}
