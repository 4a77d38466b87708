//! Words shown to people: one file per language (`locales/en.toml`, `locales/zh.toml`), one
//! key per message. Stages return facts ([`Text`]: a message key and its arguments); this layer
//! alone turns them into words, in the reader's language.
//!
//! A message is a template: `{name}` is replaced by the argument `name`; `{n|one|other}` chooses
//! `one` when the argument `n` is 1 and `other` otherwise (English plurals; Chinese needs none).
//! A key missing from a language falls back to English; [`Locale::covers`] tells whether it
//! did, so tests can insist that nothing falls back.
//!
//! This is the words layer: the only code that names a language or chooses by one. A language
//! is a [`Lang`], a handle to its [`Locale`] that callers cannot `match` on; what differs
//! between languages is data of the locale file (its messages, and its settings under
//! `[lang]`: which side of the reference data's bilingual names it shows ([`Lang::pick`]), what
//! joins a list, its HTML tag). Adding a language is its file, its `static` locale, its
//! constant and its place in [`Lang::ALL`]; [`Lang::load`] reads one that is not shipped (a
//! translation in progress, the tests' pseudo-locale) through the same parser.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A language of the words layer: a handle to its locale (one file each,
/// `locales/<code>.toml`). It is `Copy`, compares and hashes by its code, and serializes as it,
/// but it cannot be matched on: every choice that depends on the language (its words, number and
/// money formats, which side of a bilingual pair from the reference data to show) is data of
/// its locale, read through [`Locale`] or [`Lang::pick`]. Adding a language is its file, its
/// constant here and its place in [`Lang::ALL`].
#[derive(Clone, Copy)]
pub struct Lang(&'static Locale);

static EN_LOCALE: Locale = Locale::embedded("en", include_str!("../../../locales/en.toml"));
static ZH_LOCALE: Locale = Locale::embedded("zh", include_str!("../../../locales/zh.toml"));

impl Lang {
    /// English: the language of logs, CSV files and every message's fall-back.
    pub const EN: Lang = Lang(&EN_LOCALE);
    /// Chinese (simplified).
    pub const ZH: Lang = Lang(&ZH_LOCALE);

    /// Every shipped language, in the order they are offered.
    pub const ALL: [Lang; 2] = [Lang::EN, Lang::ZH];

    /// Its code: `en`, `zh` (the locale file's name, `?lang=`, `--lang`).
    pub fn code(self) -> &'static str {
        self.0.code
    }

    /// The shipped language of a code.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The shipped language a BCP 47 tag asks for (`zh-CN` is `zh`, `en-GB` is `en`).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// A language that is not shipped, from the text of its locale file (a translation in
    /// progress, or the pseudo-locale of the tests): read by the same parser as the shipped
    /// ones, with the same fall-back to English, and kept for as long as the program runs.
    pub fn load(code: &str, source: &str) -> Result<Lang, String> {
        let messages = parse(source)?;
        let locale: &'static Locale = Box::leak(Box::new(Locale {
            code: Box::leak(code.to_string().into_boxed_str()),
            source: "",
            words: OnceLock::from(Words::new(messages)),
            loaded: OnceLock::new(),
        }));
        // Known to itself, so that its `Locale::lang` finds it.
        let _ = locale.loaded.set(locale);
        Ok(Lang(locale))
    }

    /// The language a one-link switch offers from this one: the next shipped language, round
    /// (the first for a language loaded at run time).
    pub fn next(self) -> Lang {
        let at = Lang::ALL.iter().position(|l| *l == self);
        Lang::ALL[at.map_or(0, |i| (i + 1) % Lang::ALL.len())]
    }

    /// Its words.
    pub fn locale(self) -> &'static Locale {
        self.0
    }

    /// The side of a bilingual pair from the reference data (`name_en`/`name_zh`, `{ en, zh }`)
    /// this language shows (`[lang] data` of its locale file).
    pub fn pick<'a, T: ?Sized>(self, en: &'a T, zh: &'a T) -> &'a T {
        match self.0.words().data {
            DataSide::En => en,
            DataSide::Zh => zh,
        }
    }

    /// The key of the side it shows in reference data written per language
    /// (`[template.park.en]`): `en` or `zh`.
    pub fn data_key(self) -> &'static str {
        self.pick(BOTH_EN, BOTH_ZH)
    }

    /// [`Lang::pick`], but the English side where the other is empty (reference data that may
    /// leave a translation out).
    pub fn pick_filled<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        let s = self.pick(en, zh);
        if s.is_empty() { en } else { s }
    }
}

impl Default for Lang {
    fn default() -> Self {
        Lang::EN
    }
}

impl PartialEq for Lang {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}

impl Eq for Lang {}

impl std::hash::Hash for Lang {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code().hash(state);
    }
}

impl std::fmt::Debug for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Lang::from_code(&code).ok_or_else(|| {
            let codes = Lang::ALL.map(Lang::code).join(", ");
            serde::de::Error::custom(format_args!("{code}: not one of {codes}"))
        })
    }
}

/// A message as facts: its key in the locale files and its arguments.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text {
    pub key: Cow<'static, str>,
    pub args: Vec<(Cow<'static, str>, Arg)>,
}

/// An argument of a message: plain text (an id, a number, a value as written) or a message of
/// its own, worded in the same language.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    Str(String),
    Text(Text),
}

/// A `Text` from a key and named arguments: `t!("diag.unknown_metric")`,
/// `t!("diag.row_fields", n = 7, header = 5)`.
#[macro_export]
macro_rules! t {
    ($key:literal) => { $crate::i18n::Text::new($key) };
    ($key:literal, $($name:ident = $val:expr),+ $(,)?) => {
        $crate::i18n::Text::new($key)$(.arg(stringify!($name), $val))+
    };
}

impl Text {
    pub const fn new(key: &'static str) -> Self {
        Text {
            key: Cow::Borrowed(key),
            args: Vec::new(),
        }
    }

    /// Words that come in both languages from the reference data (a set's level label, an
    /// indicator's name): each language shows the side its `[lang] data` names ([`Lang::pick`]).
    pub fn both(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Text::new(BOTH)
            .arg(BOTH_EN, en.into())
            .arg(BOTH_ZH, zh.into())
    }

    /// A key made at run time (a check or rule id from the reference data).
    pub fn new_owned(key: String) -> Self {
        Text {
            key: Cow::Owned(key),
            args: Vec::new(),
        }
    }

    /// Text from outside the locale files, shown as it is in every language (stored problems
    /// written before messages had keys; text a library hands over in its own words).
    pub fn verbatim(text: impl Into<String>) -> Self {
        Text::new(VERBATIM).arg("text", text.into())
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((Cow::Borrowed(name), value.into()));
        self
    }

    /// Cuts every text argument to `chars` characters (see [`cut`]).
    pub fn bound(&mut self, chars: usize) {
        for (_, a) in &mut self.args {
            match a {
                Arg::Str(s) => cut(s, chars),
                Arg::Text(t) => t.bound(chars),
            }
        }
    }

    fn get(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    /// In English (logs, `Display` of diagnostics, tests).
    pub fn en(&self) -> String {
        Locale::get(Lang::EN).text(self)
    }

    /// Both sides of a bilingual output (`level_en` and `level_zh`): see [`both_sides`].
    pub fn sides(&self) -> (String, String) {
        both_sides(|lang| lang.locale().text(self))
    }
}

/// The two sides of a bilingual pair an output keeps side by side (`level_en` and `level_zh`,
/// `title_en` and `title_zh`), each made by the shipped language that shows that side. A new
/// language adds no side: it shows one of these two through [`Lang::pick`].
pub fn both_sides<T>(mut side: impl FnMut(Lang) -> T) -> (T, T) {
    (side(Lang::EN), side(Lang::ZH))
}

/// A message in English, for outputs that predate worded messages (`serialize_with`).
pub fn english<S: serde::Serializer>(t: &Text, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.en())
}

/// An optional message in English (`serialize_with`).
pub fn english_opt<S: serde::Serializer>(t: &Option<Text>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&t.en()),
        None => s.serialize_none(),
    }
}

/// Messages in English (`serialize_with`).
pub fn english_all<S: serde::Serializer>(ts: &[Text], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ts.iter().map(Text::en))
}

/// The key of [`Text::verbatim`]: rendered as its `text` argument in every language.
const VERBATIM: &str = "verbatim";

/// The key of [`Text::both`]: rendered as its `en` or `zh` argument.
const BOTH: &str = "both";

/// The arguments of [`Text::both`]: the English and the Chinese side.
const BOTH_EN: &str = "en";
const BOTH_ZH: &str = "zh";

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_string())
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Str(s.clone())
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Self {
        Arg::Text(t)
    }
}

macro_rules! display_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::Str(v.to_string())
            }
        }
    )*};
}
display_args!(i32, i64, u8, u16, u32, u64, usize, f64, char);

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Text", 2)?;
        st.serialize_field("key", &self.key)?;
        let args: BTreeMap<&str, &Arg> = self.args.iter().map(|(n, a)| (&**n, a)).collect();
        st.serialize_field("args", &args)?;
        st.end()
    }
}

/// Stored forms: `{key, args}`, or a plain string (problems stored before messages had keys).
#[derive(Deserialize)]
#[serde(untagged)]
enum TextRepr {
    Plain(String),
    Keyed {
        key: String,
        #[serde(default)]
        args: BTreeMap<String, Arg>,
    },
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match TextRepr::deserialize(d)? {
            TextRepr::Plain(s) => Text::verbatim(s),
            TextRepr::Keyed { key, args } => Text {
                key: Cow::Owned(key),
                args: args.into_iter().map(|(n, a)| (Cow::Owned(n), a)).collect(),
            },
        })
    }
}

/// The messages of one language, and its settings (`[lang]`: which side of bilingual
/// reference data it shows, its tags for HTML and typesetting).
pub struct Locale {
    code: &'static str,
    /// The embedded locale file, parsed on first use ([`Locale::words`]).
    source: &'static str,
    words: OnceLock<Words>,
    /// Itself, for a language loaded at run time ([`Lang::load`]).
    loaded: OnceLock<&'static Locale>,
}

/// A parsed locale file.
struct Words {
    messages: HashMap<String, String>,
    data: DataSide,
}

/// The side of a bilingual pair from the reference data a language shows.
#[derive(Clone, Copy)]
enum DataSide {
    En,
    Zh,
}

/// The key of a locale's [`DataSide`]: `en` or `zh`; any other value (or none) shows English.
const DATA_SIDE: &str = "lang.data";

/// The key of [`Locale::html_lang`].
const HTML_LANG: &str = "lang.html";

/// The key of [`Locale::list_separator`].
const LIST_SEPARATOR: &str = "lang.list";

impl Words {
    fn new(messages: HashMap<String, String>) -> Words {
        let data = match messages.get(DATA_SIDE).map(String::as_str) {
            Some("zh") => DataSide::Zh,
            _ => DataSide::En,
        };
        Words { messages, data }
    }
}

/// The keys and templates of a locale file (nested tables become dotted keys).
pub fn parse(source: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    flatten("", &table, &mut out)?;
    Ok(out)
}

fn flatten(prefix: &str, t: &toml::Table, out: &mut HashMap<String, String>) -> Result<(), String> {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            _ => return Err(format!("{key}: a message must be a string")),
        }
    }
    Ok(())
}

impl Locale {
    /// A shipped language's locale, parsed when first used.
    const fn embedded(code: &'static str, source: &'static str) -> Locale {
        Locale {
            code,
            source,
            words: OnceLock::new(),
            loaded: OnceLock::new(),
        }
    }

    /// The locale of a language (parsed once).
    pub fn get(lang: Lang) -> &'static Locale {
        lang.0
    }

    fn words(&self) -> &Words {
        self.words.get_or_init(|| {
            // The files are embedded and checked by the tests: a broken one is a build defect.
            let messages =
                parse(self.source).unwrap_or_else(|e| panic!("embedded locale {}: {e}", self.code));
            Words::new(messages)
        })
    }

    fn messages(&self) -> &HashMap<String, String> {
        &self.words().messages
    }

    /// The language of this locale.
    pub fn lang(&self) -> Lang {
        Lang::ALL
            .into_iter()
            .find(|l| std::ptr::eq(l.0, self))
            .or_else(|| self.loaded.get().copied().map(Lang))
            .expect("every locale is shipped or loaded by Lang::load")
    }

    /// The language's tag in an HTML page's `lang` attribute (`[lang] html`: `en`, `zh-CN`).
    pub fn html_lang(&self) -> &str {
        // Its own or its code: English's tag would misname another language.
        self.messages()
            .get(HTML_LANG)
            .map_or(self.code, String::as_str)
    }

    /// What joins the items of a list in running text (`[lang] list`: `, ` or `、`).
    pub fn list_separator(&self) -> &str {
        self.template(LIST_SEPARATOR).unwrap_or_default()
    }

    /// A message by key alone (labels without arguments).
    pub fn word(&self, key: &'static str) -> String {
        self.text(&Text::new(key))
    }

    /// The template of a key in this language, else in English.
    fn template(&self, key: &str) -> Option<&str> {
        self.messages().get(key).map(String::as_str).or_else(|| {
            (!std::ptr::eq(self, Lang::EN.0))
                .then(|| Lang::EN.0.messages().get(key).map(String::as_str))
                .flatten()
        })
    }

    /// The message in this language (English where this language lacks the key; the key itself
    /// where English lacks it too).
    pub fn text(&self, t: &Text) -> String {
        if t.key == BOTH {
            let side = match self.words().data {
                DataSide::En => BOTH_EN,
                DataSide::Zh => BOTH_ZH,
            };
            return t.get(side).map(|a| self.arg(a)).unwrap_or_default();
        }
        if t.key == VERBATIM {
            return match t.get("text") {
                Some(Arg::Str(s)) => s.clone(),
                Some(Arg::Text(inner)) => self.text(inner),
                None => String::new(),
            };
        }
        let Some(template) = self.template(&t.key) else {
            return t.key.to_string();
        };
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let inner = &rest[open + 1..open + close];
            let mut parts = inner.split('|');
            let name = parts.next().unwrap_or_default();
            let value = t.get(name).map(|a| self.arg(a));
            match (parts.next(), parts.next()) {
                (Some(one), Some(other)) => out.push_str(if value.as_deref() == Some("1") {
                    one
                } else {
                    other
                }),
                _ => out.push_str(value.as_deref().unwrap_or("")),
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn arg(&self, a: &Arg) -> String {
        match a {
            Arg::Str(s) => s.clone(),
            Arg::Text(t) => self.text(t),
        }
    }

    /// Does this language have every key of the message (arguments included), with no
    /// fall-back to English?
    pub fn covers(&self, t: &Text) -> bool {
        (t.key == VERBATIM || t.key == BOTH || self.messages().contains_key(&*t.key))
            && t.args.iter().all(|(_, a)| match a {
                Arg::Str(_) => true,
                Arg::Text(inner) => self.covers(inner),
            })
    }

    /// A key's template in this language, else in English; None when neither has it.
    pub fn lookup(&'static self, key: &str) -> Option<&'static str> {
        self.template(key)
    }

    /// How many yuan one unit of money is in this language's reports (`[units] money_scale`:
    /// 万元 = 10,000 in Chinese, a million in English).
    pub fn money_scale(&self) -> f64 {
        self.template("units.money_scale")
            .unwrap_or_default()
            .parse()
            .expect("every locale gives [units] money_scale as a number (a test reads them)")
    }

    /// A message without arguments as written (English where this language lacks it, the key
    /// where English lacks it too), borrowed for as long as the program runs.
    pub fn raw(&'static self, key: &'static str) -> &'static str {
        self.template(key).unwrap_or(key)
    }

    /// The messages of a section (`report`), by key within it, as written (no arguments).
    pub fn section(&'static self, section: &str) -> BTreeMap<&'static str, &'static str> {
        let prefix = format!("{section}.");
        self.messages()
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?, v.as_str())))
            .collect()
    }

    /// Every key of this language.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.messages().keys().map(String::as_str)
    }

    pub fn has_key(&self, key: &str) -> bool {
        self.messages().contains_key(key)
    }
}

/// The `{name}` placeholders of a template whose value is shown (a plural choice `{n|a|b}` only
/// reads `n`, and Chinese needs none), for checking that every language shows the same
/// arguments.
pub fn placeholders(template: &str) -> std::collections::BTreeSet<&str> {
    let mut out = std::collections::BTreeSet::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        if !inner.contains('|') {
            out.insert(inner);
        }
        rest = &rest[open + close + 1..];
    }
    out
}

/// Cuts a string to `chars` characters, marking the cut with an ellipsis, and gives back the
/// memory it no longer needs.
pub fn cut(s: &mut String, chars: usize) {
    if s.len() <= chars {
        return;
    }
    if let Some((i, _)) = s.char_indices().nth(chars) {
        s.truncate(i);
        s.push('…');
        s.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key_with_the_same_placeholders() {
        let en = parse(EN_LOCALE.source).expect("en.toml");
        let zh = parse(ZH_LOCALE.source).expect("zh.toml");
        let mut problems = Vec::new();
        for (k, v) in &en {
            match zh.get(k) {
                None => problems.push(format!("zh lacks {k}")),
                Some(z) if placeholders(z) != placeholders(v) => {
                    problems.push(format!("{k}: en {v:?} and zh {z:?} take other arguments"))
                }
                Some(_) => {}
            }
        }
        for k in zh.keys() {
            if !en.contains_key(k) {
                problems.push(format!("en lacks {k}"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_key_written_in_the_code_is_in_the_locale_files() {
        let en = parse(EN_LOCALE.source).expect("en.toml");
        let mut missing = Vec::new();
        // Every crate of the workspace and the command line: the words are all in the same files.
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let mut stack: Vec<std::path::PathBuf> = std::fs::read_dir(format!("{root}/crates"))
            .expect("crates")
            .flatten()
            .map(|e| e.path().join("src"))
            .chain([std::path::PathBuf::from(format!("{root}/src"))])
            .collect();
        let mut seen = 0;
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).expect("src").flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let code = std::fs::read_to_string(&path).expect("read");
                for opener in [
                    "t!(\"",
                    "Text::new(\"",
                    "word(\"",
                    "\"plot.",
                    "\"report.",
                    "\"scoring.",
                ] {
                    for (i, _) in code.match_indices(opener) {
                        // `t!(` but not `format!(`.
                        let before = code[..i].chars().next_back().unwrap_or(' ');
                        if before.is_alphanumeric() || before == '_' {
                            continue;
                        }
                        // A literal that starts with a section name is a key as a whole.
                        let skip = if opener.ends_with('.') {
                            1
                        } else {
                            opener.len()
                        };
                        let rest = &code[i + skip..];
                        let key = &rest[..rest.find('"').unwrap_or(0)];
                        let file_name = [
                            ".html", ".md", ".csv", ".svg", ".png", ".json", ".pdf", ".toml",
                        ]
                        .iter()
                        .any(|x| key.ends_with(x));
                        if key.is_empty()
                            || key.ends_with('.')
                            || file_name
                            || key.contains([' ', '{'])
                            || key == VERBATIM
                            || key == BOTH
                        {
                            continue;
                        }
                        seen += 1;
                        if !en.contains_key(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(seen > 50, "the scan found only {seen} keys");
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn templates_fill_arguments_plurals_and_nested_messages() {
        let en = Locale::get(Lang::EN);
        let t = Text::new("test.nested").arg("inner", Text::new("test.plural").arg("n", 1));
        assert_eq!(en.text(&t), "outer [1 row]");
        let t = Text::new("test.nested").arg("inner", Text::new("test.plural").arg("n", 3));
        assert_eq!(en.text(&t), "outer [3 rows]");
        let zh = Locale::get(Lang::ZH);
        assert_eq!(zh.text(&t), "外层 [3 行]");
        assert!(zh.covers(&t));
        let unknown = Text::new_owned("no.such.key".into());
        assert!(!zh.covers(&unknown));
        assert_eq!(zh.text(&unknown), "no.such.key");
    }

    #[test]
    fn stored_texts_round_trip_and_plain_strings_are_kept_verbatim() {
        let t = Text::new("test.plural").arg("n", 2);
        let json = serde_json::to_string(&t).expect("json");
        assert_eq!(json, r#"{"key":"test.plural","args":{"n":"2"}}"#);
        let back: Text = serde_json::from_str(&json).expect("back");
        assert_eq!(back.en(), "2 rows");
        let old: Text = serde_json::from_str(r#""unknown metric""#).expect("plain");
        assert_eq!(Locale::get(Lang::ZH).text(&old), "unknown metric");
    }
}
