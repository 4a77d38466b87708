//! The portal's words, in the languages of the locale files. Pages take the language from `?lang=` or, without
//! it, from the browser's `Accept-Language`.

use std::collections::BTreeMap;

use parkbench_core::i18n::Lang;

/// The portal's words in a language (the `portal` section of the locale files), by key.
pub fn strings(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    parkbench_core::i18n::Locale::get(lang).section("portal")
}

/// One word of the portal (empty for an unknown key).
pub fn t(lang: Lang, key: &str) -> &'static str {
    parkbench_core::i18n::Locale::get(lang)
        .lookup(&format!("portal.{key}"))
        .unwrap_or("")
}

/// The language of a request: `?lang=<code>`, else the first of `Accept-Language` we speak.
pub fn pick(query: Option<&str>, accept: Option<&str>) -> Lang {
    if let Some(lang) = query.and_then(Lang::from_code) {
        return lang;
    }
    accept
        .unwrap_or("")
        .split(',')
        .filter_map(|part| Lang::from_tag(part.split(';').next().unwrap_or("").trim()))
        .next()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_in_both_languages_and_the_language_of_a_request() {
        let (en, zh) = (strings(Lang::EN), strings(Lang::ZH));
        assert!(en.len() > 50, "{} portal words", en.len());
        for (k, e) in &en {
            assert!(
                !e.is_empty() && zh.get(k).is_some_and(|z| !z.is_empty()),
                "{k}"
            );
        }
        assert_eq!(pick(Some("zh"), Some("en-GB")), Lang::ZH);
        assert_eq!(pick(None, Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::ZH);
        assert_eq!(pick(None, Some("fr-FR,en;q=0.5")), Lang::EN);
        assert_eq!(pick(None, None), Lang::EN);
        assert_eq!(t(Lang::ZH, "login"), "登录");
    }
}
