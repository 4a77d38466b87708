//! The portal's words in English and Chinese. Pages take the language from `?lang=` or, without
//! it, from the browser's `Accept-Language`.

use std::collections::BTreeMap;

use crate::indicators::Lang;

/// key, English, Chinese.
const STRINGS: &[(&str, &str, &str)] = &[
    ("title", "parkbench portal", "parkbench 园区数据平台"),
    ("login", "Log in", "登录"),
    ("logout", "Log out", "退出"),
    ("email", "Email", "电子邮箱"),
    ("password", "Password", "密码"),
    (
        "login_failed",
        "Wrong email or password.",
        "邮箱或密码错误。",
    ),
    ("setup", "Set your password", "设置密码"),
    (
        "setup_intro",
        "Choose a password of at least 10 characters for",
        "请设置至少 10 个字符的密码，账户：",
    ),
    (
        "setup_invalid",
        "This link has been used or has expired. Ask the programme for a new one.",
        "此链接已使用或已过期，请向项目管理方索取新链接。",
    ),
    (
        "password_short",
        "The password needs at least 10 characters.",
        "密码至少需要 10 个字符。",
    ),
    ("save", "Save", "保存"),
    ("park", "Park", "园区"),
    ("year", "Reporting year", "报告年度"),
    ("benchmark", "Benchmark set", "评价标准"),
    ("upload", "Upload data", "上传数据"),
    (
        "upload_help",
        "CSV files (parks, activity) or one Excel workbook from the template, up to",
        "CSV 文件（园区、活动数据）或按模板填写的 Excel 工作簿，最大",
    ),
    ("files", "Files", "文件"),
    ("submit", "Submit", "提交"),
    ("template", "Templates", "模板"),
    ("history", "Submissions", "提交记录"),
    ("version", "Version", "版本"),
    ("uploaded", "Uploaded", "上传时间"),
    ("by", "By", "提交人"),
    ("status", "Status", "状态"),
    ("valid", "valid", "通过"),
    ("invalid", "has errors", "有错误"),
    ("counts", "counts", "有效版本"),
    ("problems", "Problems found", "发现的问题"),
    ("no_problems", "No problems found.", "未发现问题。"),
    (
        "fix_and_upload",
        "Fix these problems in your file and upload it again; this version is kept but does not count.",
        "请修正文件中的这些问题后重新上传；本版本会保留，但不计入评价。",
    ),
    ("where", "Where", "位置"),
    ("problem", "Problem", "问题"),
    ("value", "Value", "取值"),
    ("expected", "Expected", "应为"),
    ("errors", "errors", "错误"),
    ("warnings", "warnings", "警告"),
    ("scorecard", "Scorecard", "评分卡"),
    ("level", "Level", "等级"),
    ("score", "Score", "得分"),
    ("coverage", "Coverage", "覆盖率"),
    ("gate", "Gate", "门槛"),
    (
        "no_valid",
        "No valid submission for this year yet.",
        "本年度尚无通过校验的提交。",
    ),
    ("report_html", "Report (HTML)", "报告（HTML）"),
    ("report_md", "Report (Markdown)", "报告（Markdown）"),
    ("scores_csv", "Scores (CSV)", "得分（CSV）"),
    ("programme", "Programme", "项目总览"),
    ("ranking", "Ranking", "排名"),
    ("levels", "Levels", "等级分布"),
    ("failures", "Submissions with errors", "有错误的提交"),
    ("missing", "Not submitted yet", "尚未提交"),
    ("export", "All scores (CSV)", "全部得分（CSV）"),
    ("programme_report", "Programme report", "项目报告"),
    ("parks", "Parks", "园区"),
    ("admin", "Accounts", "账户管理"),
    ("role", "Role", "角色"),
    ("create_account", "Create account", "创建账户"),
    (
        "setup_link",
        "One-time setup link (send it to the person; it works once, for 7 days):",
        "一次性设置链接（发给该用户；仅可使用一次，7 天内有效）：",
    ),
    ("not_found", "Not found.", "未找到。"),
    (
        "forbidden",
        "The form has expired. Reload the page and try again.",
        "表单已失效，请刷新页面后重试。",
    ),
    (
        "too_large",
        "The upload is larger than the limit of",
        "上传文件超过上限",
    ),
    (
        "bad_request",
        "The request could not be read.",
        "无法读取该请求。",
    ),
    ("rank", "Rank", "名次"),
    ("gate_passed", "gate passed", "门槛达标"),
    ("gate_failed", "gate failed", "门槛未达标"),
    ("gate_missing", "gate not assessed", "门槛无法判定"),
    ("no_gate", "no gate", "无门槛"),
    ("none", "none", "无"),
    ("language", "中文", "English"),
];

/// The strings of a language, by key.
pub fn strings(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    STRINGS
        .iter()
        .map(|(k, en, zh)| (*k, if lang == Lang::Zh { *zh } else { *en }))
        .collect()
}

/// One string.
pub fn t(lang: Lang, key: &str) -> &'static str {
    STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or("", |(_, en, zh)| if lang == Lang::Zh { zh } else { en })
}

/// The language of a request: `?lang=zh|en`, else the first of `Accept-Language` we speak.
pub fn pick(query: Option<&str>, accept: Option<&str>) -> Lang {
    match query {
        Some("zh") => return Lang::Zh,
        Some("en") => return Lang::En,
        _ => {}
    }
    for part in accept.unwrap_or("").split(',') {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("zh") {
            return Lang::Zh;
        }
        if tag.starts_with("en") {
            return Lang::En;
        }
    }
    Lang::En
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_in_both_languages_and_the_language_of_a_request() {
        for (k, en, zh) in STRINGS {
            assert!(!en.is_empty() && !zh.is_empty(), "{k}");
        }
        assert_eq!(pick(Some("zh"), Some("en-GB")), Lang::Zh);
        assert_eq!(pick(None, Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(pick(None, Some("fr-FR,en;q=0.5")), Lang::En);
        assert_eq!(pick(None, None), Lang::En);
        assert_eq!(t(Lang::Zh, "login"), "登录");
    }
}
