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
    ("setup_intro", "Choose a password for", "请设置密码，账户："),
    (
        "setup_invalid",
        "This link has been used or has expired. Ask the programme for a new one.",
        "此链接已使用或已过期，请向项目管理方索取新链接。",
    ),
    (
        "password_short",
        "The password needs at least {n} characters.",
        "密码至少需要 {n} 个字符。",
    ),
    (
        "password_blank",
        "The password cannot be only spaces.",
        "密码不能只由空格组成。",
    ),
    (
        "password_email",
        "The password cannot be your email address.",
        "密码不能与电子邮箱相同。",
    ),
    (
        "password_rules",
        "At least {n} characters, not only spaces, and not your email address.",
        "至少 {n} 个字符，不能只由空格组成，也不能与电子邮箱相同。",
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
        "One-time setup link (send it to the person; it works once, for {n} days):",
        "一次性设置链接（发给该用户；仅可使用一次，{n} 天内有效）：",
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
    (
        "request_too_large",
        "The request is larger than the portal accepts.",
        "请求超过平台允许的大小。",
    ),
    (
        "too_many_files",
        "Too many files in one upload: at most {n}.",
        "一次上传的文件过多：最多 {n} 个。",
    ),
    ("max_files", "at most {n} files", "最多 {n} 个文件"),
    (
        "method_not_allowed",
        "This address does not accept that kind of request.",
        "此地址不接受这种请求。",
    ),
    (
        "unsupported_type",
        "The request's content type is not one this page accepts.",
        "请求的内容类型不被此页面接受。",
    ),
    (
        "timeout",
        "The request took too long and was stopped. Try again.",
        "请求耗时过长，已被中止，请重试。",
    ),
    (
        "throttled",
        "Too many failed logins. Wait {n} seconds and try again.",
        "登录失败次数过多，请等待 {n} 秒后重试。",
    ),
    (
        "upload_in_progress",
        "You already have an upload in progress. Wait for it to finish, then try again.",
        "您已有一个上传正在处理，请待其完成后再试。",
    ),
    (
        "busy",
        "The portal is busy checking other uploads. Try again in {n} seconds; nothing was stored.",
        "平台正在处理其他上传，请在 {n} 秒后重试；本次未保存任何内容。",
    ),
    (
        "storage_full",
        "The server's storage is full: nothing was saved. Try again later; the programme has been told in the server log.",
        "服务器存储空间已满：本次未保存任何内容。请稍后重试；服务器日志已记录此问题。",
    ),
    (
        "storage_read_only",
        "The server cannot write its data just now: nothing was saved. Try again later.",
        "服务器暂时无法写入数据：本次未保存任何内容。请稍后重试。",
    ),
    (
        "storage_failed",
        "The server's storage failed: nothing was saved. Try again later.",
        "服务器存储出错：本次未保存任何内容。请稍后重试。",
    ),
    (
        "internal_error",
        "Something went wrong on the server. Try again; if it happens again, tell the programme.",
        "服务器出错。请重试；如仍出现，请联系项目管理方。",
    ),
    (
        "not_an_email",
        "This is not an email address",
        "这不是有效的电子邮箱",
    ),
    (
        "importer_account",
        "This is the importer's account: it cannot log in and cannot be invited",
        "这是数据导入专用账户：不能登录，也不能被邀请",
    ),
    (
        "account_exists",
        "This account exists with another role or park. An invitation keeps the role: change it below first, then invite again for a reset link",
        "该账户已存在，角色或园区不同。邀请不会改变角色：请先在下方修改角色，再重新邀请以获得重置链接",
    ),
    (
        "operator_needs_park",
        "An operator account needs a park",
        "园区运营方账户需要指定园区",
    ),
    (
        "park_not_on_roster",
        "This park is not on the roster",
        "该园区不在名册中",
    ),
    ("no_such_account", "No such account", "没有这个账户"),
    ("change_role", "Change role", "修改角色"),
    (
        "change_role_help",
        "Changes an existing account's role and park and logs it out everywhere. Inviting an existing account gives a reset link and keeps its role.",
        "修改已有账户的角色和园区，并使其所有登录失效。邀请已有账户会得到重置链接，角色不变。",
    ),
    ("role_changed", "Role changed", "角色已修改"),
    (
        "pruned",
        "This is an old version with errors: its files and problem list were deleted (the newest invalid versions are kept).",
        "这是有错误的旧版本：其文件和问题列表已删除（仅保留最近的有错误版本）。",
    ),
    ("showing", "Problems", "问题"),
    ("previous", "previous", "上一页"),
    ("next", "next", "下一页"),
    (
        "not_listed",
        "More problems of these kinds (counted, not listed)",
        "同类问题（仅计数，未逐条列出）",
    ),
    ("count", "Count", "数量"),
    ("other_problems", "other kinds", "其他类型"),
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
