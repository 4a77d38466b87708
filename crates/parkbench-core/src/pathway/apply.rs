//! What a measure does to a park's activity (metrics in canonical units) and what it costs.
//! The inventory is then recomputed by [`crate::inventory::Accountant`]: this module changes
//! quantities only, never CO2 directly, so the accounting stays the one of `score`.

use serde::Serialize;
use std::collections::BTreeMap;

use super::measures::{Kind, Measure, MeasureCatalogue, SiteLimit};
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
    pub catalogue: &'a MeasureCatalogue,
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
        catalogue: &'a MeasureCatalogue,
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
        } => max_onsite(ctx, state, tech, limit, *max_share)?,
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
            any_with_content(ctx, state, from)?;
            *max_share
        }
        Kind::Efficiency {
            carriers,
            max_share,
            ..
        } => {
            any_with_content(ctx, state, carriers)?;
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
            below_rate(ctx, "waste_heat_recovered", cur, *max_rate)?
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
            below_rate(ctx, numerator, cur, *max_rate)?
        }
    };
    if size > 0.0 {
        Ok(size)
    } else {
        Err(t!("plan.skip.zero_size"))
    }
}

/// Why a measure does not apply: the park has none of `metric`.
fn nothing(metric: &str) -> Text {
    t!("plan.skip.nothing", metric = metric)
}

/// The MW of on-site generation a park can host: its site's limit, and no more than
/// `max_share` of its grid power.
fn max_onsite(
    ctx: &Ctx,
    state: &Metrics,
    tech: &str,
    limit: &SiteLimit,
    max_share: f64,
) -> Result<f64, Text> {
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
    Ok(site_mw.min(grid * max_share / hours))
}

/// Some of the carriers are used and have a known energy content (every one must be known).
fn any_with_content(ctx: &Ctx, state: &Metrics, carriers: &[String]) -> Result<(), Text> {
    let mut any = false;
    for c in carriers {
        any |= value(state, c)? > 0.0 && ctx.gj.contains_key(c);
    }
    if any {
        Ok(())
    } else {
        Err(nothing(&carriers.join(", ")))
    }
}

/// `max_rate`, when today's rate `cur` of `metric` is below it.
fn below_rate(ctx: &Ctx, metric: &str, cur: f64, max_rate: f64) -> Result<f64, Text> {
    if cur >= max_rate {
        return Err(t!(
            "plan.skip.rate_reached",
            metric = ctx.vocab.metric_text(metric),
            rate = fmt_share(cur)
        ));
    }
    Ok(max_rate)
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
    let mut a = Applying {
        ctx,
        state,
        deltas: Vec::new(),
        notes: Vec::new(),
    };
    let (amount, amount_unit) = a.change(&m.kind, size)?;
    let Applying { deltas, notes, .. } = a;
    let costs = Costs::of(&m.kind, ctx, size, amount);
    let (bill, unpriced) = bill(m, ctx, costs.extra_bill, &deltas);
    Ok(Effect {
        size,
        amount,
        amount_unit,
        capex_cny: costs.capex,
        annual_capital_cny: costs.annual_capital,
        fixed_om_cny: costs.fixed_om,
        variable_om_cny: costs.variable_om,
        energy_cost_cny: bill,
        unpriced,
        deltas,
        notes,
    })
}

/// A measure being applied: the state it changes, and the changes and notes it makes.
struct Applying<'a, 's> {
    ctx: &'a Ctx<'a>,
    state: &'s mut Metrics,
    deltas: Vec<(String, f64)>,
    notes: Vec<Text>,
}

impl Applying<'_, '_> {
    fn value(&self, id: &str) -> Result<f64, Text> {
        value(self.state, id)
    }

    fn add(&mut self, id: &str, delta: f64) {
        add(self.state, id, delta, &mut self.deltas);
    }

    /// GJ per canonical unit of a carrier (NaN when unknown).
    fn gj(&self, c: &str) -> f64 {
        self.ctx.gj.get(c).copied().unwrap_or(f64::NAN)
    }

    /// Changes the state as a measure of this kind and size does; what it moved, and in what.
    fn change(&mut self, kind: &Kind, size: f64) -> Result<(f64, &'static str), Text> {
        Ok(match kind {
            Kind::GreenPurchase { to, .. } => {
                let moved = self.value("electricity_grid")? * size;
                self.add("electricity_grid", -moved);
                self.add(to, moved);
                (moved, "MWh")
            }
            Kind::OnsiteRenewable { tech, limit, .. } => (self.generate(tech, limit, size)?, "MWh"),
            Kind::Substitute {
                from,
                to,
                efficiency_from,
                efficiency_to,
                ..
            } => {
                let mut useful = 0.0;
                for c in from {
                    let q = self.value(c)? * size;
                    if q > 0.0 && self.ctx.gj.contains_key(c) {
                        useful += q * self.gj(c) * efficiency_from;
                        self.add(c, -q);
                    }
                }
                self.add(to, useful / efficiency_to / self.gj(to));
                (useful, "GJ")
            }
            Kind::Efficiency { carriers, .. } => {
                let mut saved = 0.0;
                for c in carriers {
                    let q = self.value(c)? * size;
                    if q > 0.0 && self.ctx.gj.contains_key(c) {
                        saved += q * self.gj(c);
                        self.add(c, -q);
                    }
                }
                (saved, "GJ")
            }
            Kind::WasteHeat {
                displaces,
                efficiency_displaced,
                ..
            } => (
                self.recover_heat(displaces, *efficiency_displaced, size)?,
                "GJ",
            ),
            Kind::Capture {
                capture_rate,
                heat_gj_per_t,
                electricity_mwh_per_t,
                ..
            } => {
                let captured = self.value("process_co2")? * size * capture_rate;
                self.add("process_co2", -captured);
                let heat = captured * heat_gj_per_t / self.gj("heat_purchased");
                self.add("heat_purchased", heat);
                self.add("electricity_grid", captured * electricity_mwh_per_t);
                self.notes.push(t!("plan.note.storage_not_priced"));
                (captured, "t")
            }
            Kind::Resource {
                numerator,
                denominator,
                offsets,
                ..
            } => self.raise_rate(numerator, denominator, offsets.as_deref(), size)?,
        })
    }

    /// On-site generation of `size` MW replaces grid power (up to all of it); the MWh used.
    fn generate(&mut self, tech: &str, limit: &SiteLimit, size: f64) -> Result<f64, Text> {
        let ctx = self.ctx;
        let hours = ctx
            .catalogue
            .hours(tech, ctx.park.province.as_deref())
            .map_or(0.0, |h| h.value);
        if let Ok((_, Some(note))) = site_mw(limit, ctx.park) {
            self.notes.push(note);
        }
        let generated = size * hours;
        let used = generated.min(self.value("electricity_grid")?);
        self.add("electricity_grid", -used);
        self.add("electricity_onsite_renewable", used);
        Ok(used)
    }

    /// Recovers waste heat up to the rate `size`, displacing the carriers in order; the GJ
    /// added.
    fn recover_heat(
        &mut self,
        displaces: &[String],
        efficiency_displaced: f64,
        size: f64,
    ) -> Result<f64, Text> {
        let (cur, recoverable) =
            rate(self.state, "waste_heat_recovered", "waste_heat_recoverable")?;
        let added_gj = (size - cur).max(0.0) * recoverable * self.gj("waste_heat_recoverable");
        self.add(
            "waste_heat_recovered",
            added_gj / self.gj("waste_heat_recovered"),
        );
        let mut left = added_gj;
        for c in displaces {
            let have = self.value(c)? * self.gj(c);
            if left <= 0.0 || have.is_nan() || have <= 0.0 {
                continue;
            }
            let is_heat = self
                .ctx
                .vocab
                .metrics
                .get(c)
                .is_some_and(|x| x.group == "heat");
            let per = if is_heat { 1.0 } else { efficiency_displaced };
            let take = (left / per).min(have);
            self.add(c, -take / self.gj(c));
            left -= take * per;
        }
        if left > 1e-9 * added_gj.max(1.0) {
            self.notes
                .push(t!("plan.note.heat_unused", gj = fmt_qty(left)));
        }
        Ok(added_gj)
    }

    /// Raises a resource rate to `size`, taking the added amount from `offsets`; what was
    /// added, and in what unit.
    fn raise_rate(
        &mut self,
        numerator: &str,
        denominator: &str,
        offsets: Option<&str>,
        size: f64,
    ) -> Result<(f64, &'static str), Text> {
        let (cur, den) = rate(self.state, numerator, denominator)?;
        let added = (size - cur).max(0.0) * den;
        self.add(numerator, added);
        if let Some(o) = offsets {
            let take = added.min(self.value(o)?);
            self.add(o, -take);
        }
        let unit =
            self.ctx
                .vocab
                .metrics
                .get(numerator)
                .map_or("", |x| match x.canonical.as_str() {
                    "m3" => "m3",
                    "t" => "t",
                    _ => "unit",
                });
        Ok((added, unit))
    }
}

/// What a measure costs per year besides the bills of the carriers it changes.
#[derive(Default)]
struct Costs {
    capex: f64,
    annual_capital: f64,
    fixed_om: f64,
    variable_om: f64,
    /// The measure's own bill (green power bought at its price); NaN when unpriced.
    extra_bill: f64,
}

impl Costs {
    /// The costs of a measure of this kind and size that moved `amount`.
    fn of(kind: &Kind, ctx: &Ctx, size: f64, amount: f64) -> Costs {
        let mut c = Costs::default();
        match kind {
            Kind::GreenPurchase { price, .. } => {
                c.extra_bill = match ctx.catalogue.price(price, ctx.park.province.as_deref()) {
                    Some(p) => amount * p.value,
                    None => f64::NAN,
                };
            }
            Kind::OnsiteRenewable {
                capex_per_kw,
                fixed_om,
                lifetime,
                ..
            } => {
                c.capital(size * 1000.0 * capex_per_kw, ctx.crf(*lifetime));
                c.fixed_om = c.capex * fixed_om;
            }
            Kind::Substitute {
                capex_per_kw,
                fixed_om,
                variable_om_per_gj,
                lifetime,
                operating_hours,
                ..
            } => {
                let mwh_gj = ctx.gj.get("electricity_grid").copied().unwrap_or(f64::NAN);
                let kw = amount / mwh_gj / operating_hours * 1000.0;
                c.capital(kw * capex_per_kw, ctx.crf(*lifetime));
                c.fixed_om = c.capex * fixed_om;
                c.variable_om = amount * variable_om_per_gj;
            }
            Kind::Efficiency {
                capex_per_gj,
                lifetime,
                ..
            } => c.capital(amount * capex_per_gj, ctx.crf(*lifetime)),
            Kind::WasteHeat {
                capex_per_gj,
                fixed_om,
                lifetime,
                ..
            } => {
                c.capital(amount * capex_per_gj, ctx.crf(*lifetime));
                c.fixed_om = c.capex * fixed_om;
            }
            Kind::Capture {
                capex_per_t_h,
                variable_om_per_t,
                lifetime,
                operating_hours,
                ..
            } => {
                c.capital(amount / operating_hours * capex_per_t_h, ctx.crf(*lifetime));
                c.variable_om = amount * variable_om_per_t;
            }
            Kind::Resource { cost_per_unit, .. } => c.variable_om = amount * cost_per_unit,
        }
        c
    }

    /// Sets the capital and its recovery per year at the capital recovery factor `crf`.
    fn capital(&mut self, capex: f64, crf: f64) {
        self.capex = capex;
        self.annual_capital = capex * crf;
    }
}

/// The change in bills: the measure's own (`extra_bill`, NaN when unpriced) and its changes at
/// the carriers' prices; None, with the carriers lacking a price, when one is unknown.
fn bill(
    m: &Measure,
    ctx: &Ctx,
    extra_bill: f64,
    deltas: &[(String, f64)],
) -> (Option<f64>, Vec<String>) {
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
    for (c, d) in deltas {
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
    (bill, unpriced)
}

/// Rate measures may be asked for a rate below today's (nothing to do): never below it.
fn size_floor(m: &Measure, state: &Metrics) -> f64 {
    size_at(m, state, 0.0, 0.0).max(0.0)
}
