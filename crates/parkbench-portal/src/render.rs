//! Rendering the portal's pages from its embedded templates (minijinja, auto-escaping every
//! value): the environment every page uses and the message page that errors use too.

use axum::http::StatusCode;
use minijinja::{Environment, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::i18n;
use parkbench_core::i18n::Lang;

pub(super) fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, src) in [
            ("base.html", include_str!("templates/base.html")),
            ("login.html", include_str!("templates/login.html")),
            ("setup.html", include_str!("templates/setup.html")),
            ("message.html", include_str!("templates/message.html")),
            ("problems.html", include_str!("templates/problems.html")),
            ("choose.html", include_str!("templates/choose.html")),
            ("park.html", include_str!("templates/park.html")),
            ("submission.html", include_str!("templates/submission.html")),
            ("programme.html", include_str!("templates/programme.html")),
            ("admin.html", include_str!("templates/admin.html")),
            (
                "technologies.html",
                include_str!("templates/technologies.html"),
            ),
            ("password.html", include_str!("templates/password.html")),
        ] {
            env.add_template(name, src).expect("portal template parses");
        }
        env
    })
}

/// The message page for an error, without a visitor (see [`super::error`]).
pub(crate) fn message_page(lang: Lang, status: StatusCode, text: &str) -> String {
    let ctx = BTreeMap::from([
        ("t", Value::from_serialize(i18n::strings(lang))),
        ("lang", Value::from(lang.code())),
        ("other_lang", Value::from(lang.next().code())),
        ("message", Value::from(text)),
        ("status", Value::from(status.as_u16())),
    ]);
    env()
        .get_template("message.html")
        .and_then(|t| t.render(Value::from_serialize(&ctx)))
        // The template is embedded and tested: this is a last resort without markup.
        .unwrap_or_else(|_| format!("<!doctype html><title>{}</title>", status.as_u16()))
}
