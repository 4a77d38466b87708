//! A park's page: its score, rules, gaps, charts, peers, how sure, inventory and provenance.

use super::*;

/// What every park page needs besides its score.
pub(super) struct PageCtx<'a> {
    pub(super) sink: &'a dyn Sink,
    pub(super) input: &'a ReportInput<'a>,
    pub(super) opts: &'a ReportOptions,
    pub(super) env: &'a Environment<'static>,
    pub(super) footer: &'a str,
    pub(super) many: bool,
}

impl PageCtx<'_> {
    /// Renders and writes one park's page(s) and charts; returns the files written.
    pub(super) fn park(&self, s: &Score) -> Result<Vec<String>, ReportError> {
        let (input, opts) = (self.input, self.opts);
        let (set, lang) = (&input.run.set, opts.lang);
        let mut written = Vec::new();
        let mut put = |rel: &str, bytes: &[u8]| -> Result<(), ReportError> {
            self.sink.put(rel, bytes)?;
            written.push(rel.to_string());
            Ok(())
        };
        let mut charts = Charts::default();
        self.score_charts(s, &mut charts)?;
        // The pathway's charts, shown in its own section.
        let plan = input
            .pathways
            .and_then(|(run, _)| run.plans.iter().find(|p| p.park_id == s.park_id));
        let projection = input
            .pathways
            .and_then(|(run, _)| run.projections.iter().find(|p| p.park_id == s.park_id));
        if let (Some(p), Some((_, cat))) = (plan, input.pathways) {
            charts.pathway(p, cat, projection, opts)?;
        }
        let needs = input
            .matches
            .and_then(|(m, tech)| super::pathway::needs_view(&s.park_id, m, tech, lang));
        let pathway = match (plan, input.pathways) {
            (Some(p), Some((_, cat))) => Some(super::pathway::park_view(
                p,
                projection,
                set,
                cat,
                lang,
                &charts.pathway,
            )),
            _ => None,
        };
        if opts.html {
            for (name, svg, png) in &charts.files {
                put(&format!("charts/{}-{name}.svg", s.park_id), svg.as_bytes())?;
                if let Some(p) = png {
                    put(&format!("charts/{}-{name}.png", s.park_id), p)?;
                }
            }
        }
        let footer = self.footer.to_string();
        let sections = Sections { pathway, needs };
        let page = park_page(s, input, lang, &charts.park, self.many, &footer, sections);
        self.write_page(s, &page, &mut put)?;
        Ok(written)
    }

    /// The charts of the park's score: scorecard, categories, core indicator over the years,
    /// trajectories.
    fn score_charts(&self, s: &Score, charts: &mut Charts) -> Result<(), ReportError> {
        let (input, opts) = (self.input, self.opts);
        let (set, lang) = (&input.run.set, opts.lang);
        let t = labels(lang);
        let history: Vec<(i32, f64)> = input
            .run
            .values
            .range((s.park_id.clone(), i32::MIN)..=(s.park_id.clone(), s.year))
            .filter_map(|((_, y), m)| Some((*y, m.get("co2_per_tce")?.value?)))
            .collect();
        let title = |key: &str| t[key].to_string();
        let scorecard = plot::Scorecard::from_score(s, set, input.cat, lang);
        charts.add_park(&scorecard, title("chart_scorecard"), opts)?;
        let categories = plot::CategoryProfile::from_score(s, lang);
        charts.add_park(&categories, title("chart_categories"), opts)?;
        if let Some(c) = plot::CoreIndicator::from_score(s, set, history, lang) {
            charts.add_park(&c, title("chart_core"), opts)?;
        }
        if let Some(c) = plot::Trajectories::from_score(s, input.cat, lang) {
            charts.add_park(&c, title("chart_trajectories"), opts)?;
        }
        Ok(())
    }

    /// Writes the page in each format asked for: HTML, Markdown, PDF.
    fn write_page(
        &self,
        s: &Score,
        page: &minijinja::Value,
        put: &mut super::programme::Put,
    ) -> Result<(), ReportError> {
        let (opts, env) = (self.opts, self.env);
        if opts.html {
            let html = env.get_template("park.html")?.render(page)?;
            put(&format!("parks/{}.html", s.park_id), html.as_bytes())?;
        }
        if opts.markdown {
            let md = env.get_template("park.md")?.render(page)?;
            put(&format!("parks/{}.md", s.park_id), md.as_bytes())?;
        }
        if opts.pdf {
            let rel = format!("parks/{}.pdf", s.park_id);
            let ident = format!("{}/{rel}", self.input.run.set.id);
            let pdf = super::pdf::render(super::pdf::Kind::Park, super::pdf::facts(page)?, &ident)?;
            put(&rel, &pdf)?;
        }
        Ok(())
    }
}

/// A park's charts: those of its score, those of its pathway section, and every chart's files
/// (name, SVG, PNG) in the order they were drawn.
#[derive(Default)]
struct Charts {
    park: Vec<ChartView>,
    pathway: Vec<ChartView>,
    files: Vec<(String, String, Option<Vec<u8>>)>,
}

impl Charts {
    /// Renders a chart of the park's score.
    fn add_park(
        &mut self,
        c: &impl plot::Chart,
        title: String,
        opts: &ReportOptions,
    ) -> Result<(), ReportError> {
        let view = self.render(c, title, opts)?;
        self.park.push(view);
        Ok(())
    }

    fn render(
        &mut self,
        c: &impl plot::Chart,
        title: String,
        opts: &ReportOptions,
    ) -> Result<ChartView, ReportError> {
        let (view, png) = ChartView::new(c, title, opts)?;
        self.files
            .push((c.name().to_string(), view.svg.clone(), png));
        Ok(view)
    }

    /// The pathway's charts: its abatement cost curve, its waterfall and its projection.
    fn pathway(
        &mut self,
        p: &parkbench_core::pathway::Plan,
        cat: &parkbench_core::pathway::MeasureCatalogue,
        projection: Option<&parkbench_core::pathway::scenario::Projection>,
        opts: &ReportOptions,
    ) -> Result<(), ReportError> {
        let lang = opts.lang;
        if let Some(c) = plot::Macc::from_plan(p, cat, lang) {
            let view = self.render(&c, c.title.clone(), opts)?;
            self.pathway.push(view);
        }
        if let Some(c) = plot::Waterfall::from_plan(p, cat, lang) {
            let view = self.render(&c, c.title.clone(), opts)?;
            self.pathway.push(view);
        }
        if let Some(c) = projection.and_then(|pr| plot::ProjectionChart::from_projection(pr, lang))
        {
            let view = self.render(&c, c.title.clone(), opts)?;
            self.pathway.push(view);
        }
        Ok(())
    }
}

/// The sections a park page has when the run made them: its pathway, its needs and matches.
pub(super) struct Sections {
    pub(super) pathway: Option<minijinja::Value>,
    pub(super) needs: Option<minijinja::Value>,
}

/// The words of a page (the `report` section of the locale), by key.
type Labels = BTreeMap<&'static str, &'static str>;

/// A park's page: its headline, rules, missing inputs, inventory, factors and the sections the
/// run made.
pub(super) fn park_page(
    s: &Score,
    input: &ReportInput,
    lang: Lang,
    charts: &[ChartView],
    many: bool,
    footer: &str,
    sections: Sections,
) -> minijinja::Value {
    let Sections { pathway, needs } = sections;
    let t = labels(lang);
    let words = parkbench_core::i18n::Locale::get(lang);
    let park = input.data.park(&s.park_id);
    let py = input.run.inventory.park_year(&s.park_id, s.year);
    let gate_rule = s.rules.iter().find(|r| r.role == Role::Gate);
    context! {
        lang => lang_code(lang),
        t => t,
        st => words.section("status"),
        css => CSS,
        index_link => many,
        park => context! {
            id => s.park_id,
            name => s.park_name,
            place => park.map(|p| place(p, words)).unwrap_or_default(),
            sector => park.map(|p| words.text(&p.sector_text())).unwrap_or_default(),
        },
        year => s.year,
        set => set_view(input, lang),
        ident => super::ident::lines(input.identification, lang),
        headline => text::headline(lang, s, gate_rule),
        headline_class => headline_class(s),
        summary => super::summary::park(s, input, lang),
        methodology => super::method::steps(input, lang),
        reason => words.text(&s.reason),
        borderline => borderline_text(s, input, lang),
        peers => peer_view(s, input, lang),
        references => references_view(s, input, lang),
        sure => sure_view(s, input, lang),
        charts => charts,
        rules => rule_rows(s, input, lang, &t),
        missing => missing_rows(s, input, lang, &t),
        inventory => py.map(|py| inventory_view(s, py, input, lang, &t)),
        pathway => pathway,
        pathway_firms => input
            .pathways
            .and_then(|(run, _)| run.plans.iter().find(|p| p.park_id == s.park_id))
            .map(|p| plan_firm_lines(p, input, lang))
            .unwrap_or_default(),
        needs => needs,
        compare => input.comparison.map(|c| c.park_rows(&s.park_id, lang, "../../")),
        factors => py.map(|py| factor_rows(py, words)).unwrap_or_default(),
        assumptions => s
            .assumptions
            .iter()
            .map(|a| words.text(a))
            .collect::<Vec<_>>(),
        footer => footer,
    }
}

/// Where a park is: its province and country.
fn place(p: &parkbench_core::input::Park, words: &parkbench_core::i18n::Locale) -> String {
    [
        p.province_name
            .as_ref()
            .map(|n| words.text(n))
            .unwrap_or_default(),
        p.country.clone(),
    ]
    .into_iter()
    .filter(|x| !x.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

/// The headline's class: undetermined, fails (its gate failed) or meets.
fn headline_class(s: &Score) -> &'static str {
    match (s.level.as_str(), s.gate) {
        ("undetermined", _) => "undetermined",
        (_, GateState::Failed) => "fails",
        _ => "meets",
    }
}

/// Each rule of the set as the park's page shows it: value, threshold and why it applies,
/// status, points, gap and source.
fn rule_rows(s: &Score, input: &ReportInput, lang: Lang, t: &Labels) -> Vec<minijinja::Value> {
    let words = parkbench_core::i18n::Locale::get(lang);
    s.rules
        .iter()
        .map(|r| {
            let ind = input.cat.get(r.indicator.split('.').next().unwrap_or(""));
            let is_change = r.indicator.contains('.');
            let fmt = |x: f64| ind.map_or(format!("{x:.3}"), |i| fmt_indicator(i, x, is_change));
            let threshold = r
                .threshold
                .as_ref()
                .map(|th| threshold_words(th, ind, &fmt, input, lang, t));
            let gap = r
                .gap
                .as_ref()
                .map(|g| &g.text)
                .or(r.note.as_ref())
                .map(|t| words.text(t))
                .unwrap_or_default();
            context! {
                name => r.name(lang),
                role => text::role(lang, r.role),
                value => r.value.map_or("—".to_string(), fmt),
                // Markdown: the value and its note in one cell; HTML: the note under the value.
                threshold => threshold.as_ref().map_or("—".into(), |(v, why)| {
                    if why.is_empty() { v.clone() } else { format!("{v} ({why})") }
                }),
                threshold_value => threshold.as_ref().map_or("—".into(), |(v, _)| v.clone()),
                threshold_note => threshold.as_ref().map(|(_, why)| why.clone()).filter(|w| !w.is_empty()),
                status => r.status.as_str(),
                status_label => r.status.label(lang),
                points => r.points.map_or("—".to_string(), |p| format!("{p:.0}")),
                gap => gap,
                source => r.threshold.as_ref().map(|x| x.source.clone()),
                source_status => r.threshold.as_ref().map(|x| x.status.as_str()).unwrap_or(""),
            }
        })
        .collect()
}

/// A rule's threshold (`≤ 0.350`) and why it applies (its band, milestone, outside the bands).
fn threshold_words(
    th: &parkbench_core::scoring::Applied,
    ind: Option<&parkbench_core::indicators::Indicator>,
    fmt: &dyn Fn(f64) -> String,
    input: &ReportInput,
    lang: Lang,
    t: &Labels,
) -> (String, String) {
    let lower = ind.is_some_and(|i| i.direction == parkbench_core::indicators::Direction::Lower);
    let x = format!("{} {}", if lower { "≤" } else { "≥" }, fmt(th.value));
    let mut why = Vec::new();
    if let Some(b) = &th.band {
        let label = input
            .run
            .set
            .bands
            .iter()
            .find(|x| *x.id == **b)
            .map_or(b.to_string(), |x| x.label.get(lang).to_string());
        why.push(if label.is_empty() {
            format!("{} {b}", t["band"])
        } else {
            label
        });
    }
    if let Some(m) = th.milestone {
        why.push(format!("{} {m}", t["milestone"]));
    }
    if th.outside_bands {
        why.push(t["outside_bands"].to_string());
    }
    (x, why.join(", "))
}

/// The rules without a value, each with the inputs it needs.
fn missing_rows(s: &Score, input: &ReportInput, lang: Lang, t: &Labels) -> Vec<minijinja::Value> {
    let words = parkbench_core::i18n::Locale::get(lang);
    s.rules
        .iter()
        .filter(|r| r.status == Status::Missing)
        .map(|r| {
            let needs = if r.needs.is_empty() {
                r.note.as_ref().map(|n| words.text(n)).unwrap_or_default()
            } else {
                format!(
                    "{} {}",
                    t["needs"],
                    r.needs
                        .iter()
                        .map(|m| metric_name(input.vocab, m, lang))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            context! { name => r.name(lang), needs => needs }
        })
        .collect()
}

/// The park-year's inventory: carriers, totals (with green power, other readings and product
/// lines), its enterprises and changes of its boundary.
fn inventory_view(
    s: &Score,
    py: &parkbench_core::inventory::ParkYear,
    input: &ReportInput,
    lang: Lang,
    t: &Labels,
) -> minijinja::Value {
    let carriers: Vec<_> = py
        .carriers
        .iter()
        .map(|c| {
            context! {
                name => metric_name(input.vocab, &c.metric, lang),
                quantity => c.quantity.map_or("—".into(), fmt_qty),
                unit => c.unit,
                tce => c.tce.map_or("—".into(), fmt_qty),
                co2 => c.co2_t.map_or("—".into(), fmt_qty),
                scope => format!("{} {}", t["scope"], c.scope),
            }
        })
        .collect();
    let mut totals = total_lines(py, lang, t);
    totals.extend(green_and_evidence(py, lang));
    totals.extend(other_readings(s, input, lang));
    totals.extend(product_lines(s, input, lang));
    let enterprises = enterprise_rows(input.run, &s.park_id, s.year, lang);
    let boundary = boundary_changes(s, input, lang);
    context! { carriers => carriers, totals => totals, enterprises => enterprises, boundary => boundary }
}

/// The park-year's energy and CO2 totals as (label, value) lines; a blank total says why it is
/// blank, with the cell that made it so.
fn total_lines(
    py: &parkbench_core::inventory::ParkYear,
    lang: Lang,
    t: &Labels,
) -> Vec<(String, String)> {
    let blank = py.why_unknown().map_or_else(
        || "—".to_string(),
        |why| format!("— ({})", parkbench_core::i18n::Locale::get(lang).text(&why)),
    );
    let blank = || blank.clone();
    let tco2 = |x: Option<f64>| x.map_or_else(blank, |x| format!("{} tCO2", fmt_qty(x)));
    let totals = vec![
        (
            t["energy_tce"],
            py.energy_tce
                .map_or_else(blank, |x| format!("{} tce", fmt_qty(x))),
        ),
        (t["scope1"], tco2(py.co2_scope1_t)),
        (t["scope2_location"], tco2(py.co2_scope2_location_t)),
        (t["scope2_market"], tco2(py.co2_scope2_market_t)),
        (t["co2_total"], tco2(py.co2_total_t)),
        (
            t["co2_per_tce"],
            py.co2_per_tce
                .map_or_else(blank, |x| format!("{x:.3} tCO2/tce")),
        ),
    ];
    totals
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// The factors the park-year's inventory used, with vintage, status and source.
fn factor_rows(
    py: &parkbench_core::inventory::ParkYear,
    words: &parkbench_core::i18n::Locale,
) -> Vec<minijinja::Value> {
    py.factors
        .iter()
        .map(|f| {
            context! {
                factor => words.text(&f.factor), value => format!("{}", f.value), unit => f.unit,
                vintage => f.vintage.map_or("—".into(), |v| v.to_string()),
                status => f.status, source => f.source,
            }
        })
        .collect()
}

/// Green electricity physically supplied and by certificates, apart (with the share of
/// electricity each is), and the energy and CO2 on each evidence grade: (label, value) lines.
pub fn green_and_evidence(
    py: &parkbench_core::inventory::ParkYear,
    lang: Lang,
) -> Vec<(String, String)> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let mut out = Vec::new();
    let total = py.electricity_total_mwh.filter(|x| *x > 0.0);
    let share = |mwh: f64| {
        words.text(&t!(
            "report.mwh_share",
            mwh = if mwh == 0.0 {
                "0 MWh".to_string()
            } else {
                fmt_energy(mwh)
            },
            share = total.map_or("—".into(), |e| format!("{:.1} %", 100.0 * mwh / e))
        ))
    };
    if py.electricity_green_mwh.is_some_and(|x| x > 0.0) {
        let unclassified = py.electricity_green_unclassified_mwh();
        for (key, mwh) in [
            ("report.green_physical", py.electricity_green_physical_mwh),
            (
                "report.green_certificates",
                py.electricity_green_certificate_mwh,
            ),
            (
                "report.green_unclassified",
                unclassified.filter(|x| *x > 0.0),
            ),
        ] {
            if let Some(mwh) = mwh {
                out.push((words.word(key), share(mwh)));
            }
        }
    }
    if let Some(by) = py.energy_by_grade {
        out.push((words.word("report.evidence_energy"), grades_text(by, "tce")));
    }
    if let Some(by) = py.co2_by_grade.filter(|b| b.iter().any(|x| *x > 0.0)) {
        out.push((words.word("report.evidence_co2"), grades_text(by, "tCO2")));
    }
    out
}

/// A quantity split by evidence grade: `A 1,200 tce (80.0 %) · C 300 tce (20.0 %)`.
pub(super) fn grades_text(by: [f64; 4], unit: &str) -> String {
    let sum: f64 = by.iter().sum();
    parkbench_core::input::Grade::ALL
        .iter()
        .zip(by)
        .filter(|(_, x)| *x > 0.0)
        .map(|(g, x)| {
            format!(
                "{} {} {unit} ({:.1} %)",
                g.id(),
                fmt_qty(x),
                if sum > 0.0 { 100.0 * x / sum } else { 0.0 }
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Firms shown by name in a step's line; the others are summed.
const FIRMS_SHOWN: usize = 3;

/// Where each step of the plan lands among the park's firms, one line per step: the largest
/// parts by name with their share and abatement, the rest summed.
fn plan_firm_lines(
    plan: &parkbench_core::pathway::Plan,
    input: &ReportInput,
    lang: Lang,
) -> Vec<String> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let Some((_, cat)) = input.pathways else {
        return Vec::new();
    };
    // The park's own firms (found by binary search), not every firm of the programme.
    let firms = input.run.enterprises_of(&plan.park_id);
    let name = |id: &str| {
        if id.is_empty() {
            return words.word("report.park_own_rows");
        }
        firms
            .iter()
            .find(|e| e.enterprise_id == id && !e.name.is_empty())
            .map_or_else(|| id.to_string(), |e| e.name.clone())
    };
    plan.firms
        .iter()
        .map(|f| {
            let part = |share: f64, t: f64, who: String| {
                words.text(&t!(
                    "report.pathway_firm_part",
                    who = who,
                    share = format!("{:.0} %", share * 100.0),
                    t = fmt_qty(t)
                ))
            };
            // One left over is named rather than summed as "1 others".
            let shown = if f.parts.len() <= FIRMS_SHOWN + 1 {
                f.parts.len()
            } else {
                FIRMS_SHOWN
            };
            let mut parts: Vec<String> = f.parts[..shown]
                .iter()
                .map(|p| part(p.share, p.abatement_t, name(&p.enterprise_id)))
                .collect();
            let rest = &f.parts[shown..];
            if !rest.is_empty() {
                let who = words.text(&t!("report.pathway_firm_others", n = rest.len()));
                parts.push(part(
                    rest.iter().map(|p| p.share).sum(),
                    rest.iter().map(|p| p.abatement_t).sum(),
                    who,
                ));
            }
            let measure = cat
                .measure(&f.measure)
                .map_or_else(|| f.measure.clone(), |m| m.name.get(lang).to_string());
            words.text(&t!(
                "report.pathway_firms_line",
                measure = measure,
                parts = parts.join(words.word("report.list_separator_short").as_str())
            ))
        })
        .collect()
}

/// A firm's row of the table "who makes the total", worded: its name (and code), energy, CO2,
/// CO2 per tce and its shares of the park's.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EnterpriseRow {
    pub name: String,
    pub tce: String,
    pub co2: String,
    pub per_tce: String,
    pub energy_share: String,
    pub co2_share: String,
}

/// The park-year's firms (and its own rows), for the park page and the portal.
pub fn enterprise_rows(
    run: &parkbench_core::scoring::SetRun,
    park_id: &str,
    year: i32,
    lang: Lang,
) -> Vec<EnterpriseRow> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let pct = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{:.1} %", v * 100.0));
    run.enterprises_of(park_id)
        .iter()
        .filter(|e| e.year == year)
        .map(|e| EnterpriseRow {
            name: if e.enterprise_id.is_empty() {
                words.word("report.park_own_rows")
            } else if e.name.is_empty() {
                e.enterprise_id.clone()
            } else {
                format!("{} ({})", e.name, e.enterprise_id)
            },
            tce: e.energy_tce.map_or("—".into(), fmt_qty),
            co2: e.co2_total_t.map_or("—".into(), fmt_qty),
            per_tce: e.co2_per_tce.map_or("—".into(), |x| format!("{x:.3}")),
            energy_share: pct(e.energy_share),
            co2_share: pct(e.co2_share),
        })
        .collect()
}

/// What the boundary's changes did since the year before: the firms that moved in and out with
/// their energy and CO2, and the CO2 change like for like (the firms inside in both years, the
/// park's own rows included) beside the park's total change.
fn boundary_changes(s: &Score, input: &ReportInput, lang: Lang) -> Vec<String> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let of_year = |y: i32| -> Vec<&parkbench_core::inventory::EnterpriseYear> {
        input
            .run
            .enterprises_of(&s.park_id)
            .iter()
            .filter(|e| e.year == y)
            .collect()
    };
    let (now, before) = (of_year(s.year), of_year(s.year - 1));
    if now.len() <= 1 || before.is_empty() {
        return Vec::new();
    }
    let ids =
        |v: &[&parkbench_core::inventory::EnterpriseYear]| -> std::collections::BTreeSet<String> {
            v.iter().map(|e| e.enterprise_id.clone()).collect()
        };
    let (ids_now, ids_before) = (ids(&now), ids(&before));
    let name = |e: &parkbench_core::inventory::EnterpriseYear| {
        if e.name.is_empty() {
            e.enterprise_id.clone()
        } else {
            e.name.clone()
        }
    };
    let sum = |v: &[&parkbench_core::inventory::EnterpriseYear],
               f: fn(&parkbench_core::inventory::EnterpriseYear) -> Option<f64>|
     -> Option<f64> { v.iter().map(|e| f(e)).sum() };
    let mut out = Vec::new();
    type Ey = parkbench_core::inventory::EnterpriseYear;
    fn moved<'a>(from: &[&'a Ey], other: &std::collections::BTreeSet<String>) -> Vec<&'a Ey> {
        from.iter()
            .filter(|e| !e.enterprise_id.is_empty() && !other.contains(&e.enterprise_id))
            .copied()
            .collect()
    }
    for (key, list, year) in [
        ("report.boundary_in", moved(&now, &ids_before), s.year),
        ("report.boundary_out", moved(&before, &ids_now), s.year - 1),
    ] {
        if list.is_empty() {
            continue;
        }
        out.push(
            words.text(
                &parkbench_core::i18n::Text::new(key)
                    .arg(
                        "firms",
                        list.iter().map(|e| name(e)).collect::<Vec<_>>().join(", "),
                    )
                    .arg(
                        "tce",
                        sum(&list, |e| e.energy_tce).map_or("—".into(), fmt_qty),
                    )
                    .arg(
                        "co2",
                        sum(&list, |e| e.co2_total_t).map_or("—".into(), fmt_qty),
                    )
                    .arg("year", year)
                    .arg("prev", s.year - 1),
            ),
        );
    }
    let both: std::collections::BTreeSet<&String> = ids_now.intersection(&ids_before).collect();
    fn stay<'a>(v: &[&'a Ey], both: &std::collections::BTreeSet<&String>) -> Vec<&'a Ey> {
        v.iter()
            .filter(|e| both.contains(&e.enterprise_id))
            .copied()
            .collect()
    }
    let change = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if a > 0.0 => format!("{:+.1} %", 100.0 * (b - a) / a),
        _ => "—".into(),
    };
    if !out.is_empty() {
        let (la, lb) = (
            sum(&stay(&before, &both), |e| e.co2_total_t),
            sum(&stay(&now, &both), |e| e.co2_total_t),
        );
        let (ta, tb) = (
            sum(&before, |e| e.co2_total_t),
            sum(&now, |e| e.co2_total_t),
        );
        out.push(words.text(&t!(
            "report.like_for_like",
            prev = s.year - 1,
            year = s.year,
            a = la.map_or("—".into(), fmt_qty),
            b = lb.map_or("—".into(), fmt_qty),
            change = change(la, lb),
            ta = ta.map_or("—".into(), fmt_qty),
            tb = tb.map_or("—".into(), fmt_qty),
            tchange = change(ta, tb)
        )));
    }
    out
}

/// The products that miss grade 2 and those that could not be graded, named.
fn product_lines(s: &Score, input: &ReportInput, lang: Lang) -> Vec<(String, String)> {
    use parkbench_core::products::Verdict;
    let words = parkbench_core::i18n::Locale::get(lang);
    let of: Vec<_> = input
        .run
        .products_of(&s.park_id)
        .iter()
        .filter(|p| p.year == s.year)
        .collect();
    let name = |p: &parkbench_core::products::Graded| p.name(lang).to_string();
    let mut out = Vec::new();
    let worse: Vec<String> = of
        .iter()
        .filter(|p| p.verdict == Verdict::Worse)
        .map(|p| {
            words.text(&t!(
                "report.product_worse",
                product = name(p),
                value = format!("{} {}", p.value, p.unit),
                grade2 = p.grade2.map_or("—".into(), |g| format!("{g} {}", p.unit)),
                standard = &p.standard
            ))
        })
        .collect();
    if !worse.is_empty() {
        out.push((words.word("report.products_worse"), worse.join("; ")));
    }
    let apart: Vec<String> = of
        .iter()
        .filter(|p| !matches!(p.verdict, Verdict::Worse | Verdict::AtGrade2))
        .map(|p| {
            let why = match p.verdict {
                Verdict::NoStandard => "report.product_no_standard",
                Verdict::OtherUnit => "report.product_other_unit",
                _ => "report.product_undetermined",
            };
            words.text(
                &parkbench_core::i18n::Text::new(why)
                    .arg("product", name(p))
                    .arg("unit", &p.unit),
            )
        })
        .collect();
    if !apart.is_empty() {
        out.push((words.word("report.products_apart"), apart.join("; ")));
    }
    out
}

/// The park-year under each of the set's alternative readings: the core value, the energy
/// use, the gate and the level.
fn other_readings(s: &Score, input: &ReportInput, lang: Lang) -> Vec<(String, String)> {
    let words = parkbench_core::i18n::Locale::get(lang);
    input
        .run
        .alternatives
        .iter()
        .filter_map(|alt| {
            let r = alt.get(&s.park_id, s.year)?;
            let label = words.text(&t!("report.reading_label", reading = alt.label.get(lang)));
            let value = words.text(&t!(
                "report.reading_value",
                value = r.co2_per_tce.map_or("—".into(), |x| format!("{x:.3}")),
                energy = r.energy_tce.map_or("—".into(), fmt_qty),
                gate = gate_label(r.gate, lang),
                level = words.text(&r.level_name)
            ));
            Some((label, value))
        })
        .collect()
}

/// A level id in words.
pub(super) fn level_words(set: &BenchmarkSet, id: &str, lang: Lang) -> String {
    set.levels.iter().find(|l| l.id == id).map_or_else(
        || parkbench_core::i18n::Locale::get(lang).word("scoring.level.undetermined"),
        |l| l.label.get(lang).to_string(),
    )
}

/// A rule's or the overall score's name.
pub(super) fn measure_name(s: &Score, measure: &str, lang: Lang) -> String {
    if measure == parkbench_core::stats::OVERALL {
        return labels(lang)["overall_score"].to_string();
    }
    s.rules
        .iter()
        .find(|r| &*r.rule == measure)
        .map_or(measure.to_string(), |r| r.name(lang).to_string())
}

/// The published references for the park's sector (`indicators/references.toml`) that one of
/// its indicators can be read against: what the figure is, its value, the park's, how far apart
/// and which way is better, with the source.
pub(super) fn references_view(s: &Score, input: &ReportInput, lang: Lang) -> Vec<minijinja::Value> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let sector = input
        .data
        .park(&s.park_id)
        .map_or("", |p| p.sector.as_str());
    let values = input.run.values.get(&(s.park_id.clone(), s.year));
    input
        .published
        .iter()
        .filter(|r| r.applies_to(sector, &input.vocab.sectors))
        .filter_map(|r| {
            let ind = input.cat.get(&r.indicator)?;
            let park = values?.get(r.indicator.as_str())?.value?;
            let better = ind.direction.meets(park, r.value);
            let apart = if r.value == 0.0 {
                None
            } else {
                Some((park - r.value).abs() / r.value.abs())
            };
            // Apart by less than the shown precision (a whole per cent): about the same.
            let comparison = match apart.map(|x| (x, format!("{:.0}", x * 100.0))) {
                Some((_, ref pc)) if pc == "0" => words.word("report.reference_even"),
                Some((_, pc)) => {
                    let share = format!("{pc} %");
                    let verdict = words.word(if better {
                        "report.reference_better"
                    } else {
                        "report.reference_worse"
                    });
                    words.text(&if park < r.value {
                        t!("report.reference_below", share = share, verdict = verdict)
                    } else {
                        t!("report.reference_above", share = share, verdict = verdict)
                    })
                }
                None => "—".to_string(),
            };
            Some(context! {
                indicator => ind.name(lang).to_string(),
                what => words.text(&t!(
                    "report.reference_of_year",
                    what = r.label.get(lang),
                    year = r.year.to_string()
                )),
                reference => fmt_indicator(ind, r.value, false),
                park => fmt_indicator(ind, park, false),
                comparison => comparison,
                source => r.source.get(lang),
                status => r.status.as_str(),
            })
        })
        .collect()
}

pub(super) fn fmt_measure(s: &Score, cat: &IndicatorCatalogue, measure: &str, x: f64) -> String {
    if measure == parkbench_core::stats::OVERALL {
        return format!("{x:.0}");
    }
    let Some(r) = s.rules.iter().find(|r| &*r.rule == measure) else {
        return format!("{x:.3}");
    };
    let is_change = r.indicator.contains('.');
    cat.get(r.indicator.split('.').next().unwrap_or(""))
        .map_or(format!("{x:.3}"), |i| fmt_indicator(i, x, is_change))
}

pub(super) fn borderline_text(s: &Score, input: &ReportInput, lang: Lang) -> Option<String> {
    let u = input
        .programme
        .uncertainty
        .iter()
        .find(|u| u.park_id == s.park_id && u.year == s.year)?;
    if !u.borderline {
        return None;
    }
    let set = &input.run.set;
    let other = u.level_shares.iter().find(|(l, _)| *l != u.level_central)?;
    let share_other: f64 = u
        .level_shares
        .iter()
        .filter(|(l, _)| *l != u.level_central)
        .map(|x| x.1)
        .sum();
    Some(text::borderline(
        lang,
        share_other,
        u.draws,
        &level_words(set, &u.level_central, lang),
        &level_words(set, &other.0, lang),
    ))
}

/// Where the park stands among its peers: the overall score and the gate/core rules.
pub(super) fn peer_view(s: &Score, input: &ReportInput, lang: Lang) -> Peers {
    let t = labels(lang);
    let words = parkbench_core::i18n::Locale::get(lang);
    let colon = words.word("report.label_separator");
    let shown: Vec<&str> = std::iter::once(parkbench_core::stats::OVERALL)
        .chain(
            s.rules
                .iter()
                .filter(|r| matches!(r.role, Role::Gate | Role::Core))
                .map(|r| &*r.rule),
        )
        .collect();
    let prog = input.programme;
    let mut small: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for r in prog
        .peers
        .of(&s.park_id, s.year)
        .filter(|r| shown.contains(&r.measure))
    {
        let kind = t[format!("kind_{}", r.kind.as_str()).as_str()];
        let group = match r.kind {
            parkbench_core::stats::GroupKind::Programme => kind.to_string(),
            parkbench_core::stats::GroupKind::Size => {
                let label = prog
                    .peer_config
                    .size_bands
                    .iter()
                    .find(|b| *b.id == *r.group)
                    .map_or(r.group.to_string(), |b| b.label.get(lang).to_string());
                format!("{kind}{colon}{label}")
            }
            parkbench_core::stats::GroupKind::Province => {
                let name = input
                    .data
                    .park(&s.park_id)
                    .and_then(|p| p.province_name.as_ref())
                    .map_or_else(|| r.group.to_string(), |n| words.text(n));
                format!("{kind}{colon}{name}")
            }
            parkbench_core::stats::GroupKind::Sector => {
                let name = input
                    .data
                    .park(&s.park_id)
                    .map_or_else(|| r.group.to_string(), |p| words.text(&p.sector_text()));
                format!("{kind}{colon}{name}")
            }
        };
        if r.too_small {
            let named = words.text(&t!(
                "report.peer_group_count",
                group = group.clone(),
                n = r.n
            ));
            if !small.contains(&named) {
                small.push(named);
            }
            continue;
        }
        let fmt = |x: f64| fmt_measure(s, input.cat, r.measure, x);
        rows.push(context! {
            measure => measure_name(s, r.measure, lang),
            value => fmt(r.value),
            group => group,
            n => r.n,
            rank => r.rank.map(|k| format!("{k} / {}", r.n)),
            percentile => r.percentile.map(|p| format!("{p:.2}")),
            median => r.median.map(fmt),
            quartiles => r.q1.zip(r.q3).map(|(a, b)| format!("{} – {}", fmt(a), fmt(b))),
        });
    }
    let small = (!small.is_empty()).then(|| {
        words.text(&t!(
            "report.peers_too_small",
            min = prog.peer_config.min_group_size,
            groups = small.join(&words.word("report.list_separator"))
        ))
    });
    Peers { rows, small }
}

/// A park among its peers: the groups with statistics, and the groups too small for them in
/// one sentence.
#[derive(Serialize)]
pub(super) struct Peers {
    rows: Vec<minijinja::Value>,
    small: Option<String>,
}

/// The park's verdict under uncertainty.
pub(super) fn sure_view(s: &Score, input: &ReportInput, lang: Lang) -> Option<minijinja::Value> {
    let u = input
        .programme
        .uncertainty
        .iter()
        .find(|u| u.park_id == s.park_id && u.year == s.year)?;
    let set = &input.run.set;
    let interval = |measure: &str, i: Option<parkbench_core::uncertainty::Interval>| {
        i.map(|i| {
            format!(
                "{} – {}",
                fmt_measure(s, input.cat, measure, i.p5),
                fmt_measure(s, input.cat, measure, i.p95)
            )
        })
    };
    let rules: Vec<_> = u
        .rules
        .iter()
        .map(|r| {
            context! {
                name => measure_name(s, &r.rule, lang),
                central => r.central.map(|x| fmt_measure(s, input.cat, &r.rule, x)),
                interval => interval(&r.rule, r.interval),
                p_meets => r.p_meets.map(pct),
            }
        })
        .collect();
    Some(context! {
        overall => u.overall_central.map(|x| format!("{x:.0}")),
        overall_interval => interval(parkbench_core::stats::OVERALL, u.overall),
        p_gates => u.p_gates.map(pct),
        levels => u.level_shares.iter().map(|(l, x)| format!("{} {}", level_words(set, l, lang), pct(*x))).collect::<Vec<_>>().join(" · "),
        rank => u.rank_central.map(|r| format!("{r} / {}", u.rank_of)),
        rank_interval => u.rank_p5.zip(u.rank_p95).map(|(a, b)| format!("{a}–{b}")),
        rules => rules,
        draws => u.draws,
    })
}
