#!/usr/bin/env bash
# The LibreOffice part of the writers corpus: make.py writes the source workbooks (the committed
# openpyxl/ and xlsxwriter/ files, and single-sheet parks.xlsx/activity.xlsx pairs in $BUILD)
# and runs this script; every file under libreoffice/ is what soffice --headless wrote.
#
#   BUILD=/tmp/build OUT=tests/data/writers bash make-libreoffice.sh    (make.py does this)
#
# The locale: each conversion runs with its own user profile (-env:UserInstallation) whose
# registrymodifications.xcu sets ooSetupSystemLocale and ooLocale (de-DE, zh-CN, en-US), and with
# LANG/LC_ALL set to the same locale. The profile is what counts: a de-DE profile writes
# "22.762,3" whatever LANG says, and the CSV filter's 6th token (language) is read on import only.
# make.py checks each CSV for the locale's marks.
#
# The CSV filter options (--convert-to 'csv:Text - txt - csv (StarCalc):TOKENS'), as
# ScImportOptions reads them on export:
#   1  field separator as a character code: 59 ';' (de-DE), 44 ','
#   2  text delimiter: 34 '"'
#   3  character set: 76 UTF-8, 85 GB18030 (RTL_TEXTENCODING_GB_18030)
#   4  first line (import only): 1
#   5  column formats (import only): empty
#   6  language (import only; given as the locale's LCID for the reader: 1031 de-DE, 2052 zh-CN,
#      1033 en-US)
#   7  quote all text cells: false (text is quoted only when it holds a separator or quote)
#   8  save numbers as such: true (number cells are not quoted unless their text needs it)
#   9  save cell contents as shown: true (the cell's number format, in the profile's locale:
#      thousands marks, decimal commas, 96 %; what "Keep current format" does in the dialog)
#  10  save formulas instead of values: false
# Workbook formats: --convert-to xlsx ("Calc MS Excel 2007 XML"), xls ("MS Excel 97", BIFF8),
# ods.
#
# Formulas: LibreOffice's default for Excel 2007+ files is "never recalculate on load": it keeps
# the cached values it finds (XlsxWriter's 0) and computes only cells without one (openpyxl's).
# The recalc profile sets /org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode to 0
# ("always recalculate"), as a user who answers the recalculation prompt with "yes" gets.
set -euo pipefail
: "${BUILD:?BUILD must name the build folder of make.py}"
OUT=${OUT:-$(cd "$(dirname "$0")" && pwd)}
SOFFICE=${SOFFICE:-soffice}
PROFILES=$(mktemp -d)
trap 'rm -rf "$PROFILES"' EXIT

profile() { # name locale [recalc]
    local dir="$PROFILES/$1/user" extra=""
    mkdir -p "$dir"
    if [ "${3:-}" = recalc ]; then
        extra='<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>'
    fi
    cat >"$dir/registrymodifications.xcu" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>$2</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>$2</value></prop></item>
$extra
</oor:items>
EOF
}

profile de-DE de-DE
profile zh-CN zh-CN
profile en-US en-US
profile recalc en-US recalc

posix_locale() { case $1 in de-DE) echo de_DE.UTF-8 ;; zh-CN) echo zh_CN.UTF-8 ;; *) echo en_US.UTF-8 ;; esac; }

# convert PROFILE OUTDIR TARGET FILE... : soffice --convert-to TARGET into OUTDIR
convert() {
    local p=$1 out=$2 target=$3 loc
    shift 3
    loc=$(posix_locale "${p/recalc/en-US}")
    mkdir -p "$out"
    LANG=$loc LC_ALL=$loc "$SOFFICE" -env:UserInstallation="file://$PROFILES/$p" --headless \
        --convert-to "$target" --outdir "$out" "$@" >/dev/null 2>&1
    for f in "$@"; do
        local base
        base=$(basename "${f%.*}")
        ls "$out/$base".* >/dev/null 2>&1 || { echo "soffice wrote nothing for $f" >&2; exit 1; }
    done
}

csv_filter() { # separator charset language
    echo "csv:Text - txt - csv (StarCalc):$1,34,$2,1,,$3,false,true,true,false"
}

LO=$OUT/libreoffice

# 1. The same workbook (openpyxl/percent-long.xlsx: percent cells, #,##0 formats) saved by
#    LibreOffice in each locale as .xlsx, .xls, .ods, and its two sheets as CSV.
for loc in de-DE zh-CN en-US; do
    convert "$loc" "$LO/$loc" xlsx "$OUT/openpyxl/percent-long.xlsx"
    convert "$loc" "$LO/$loc" xls "$OUT/openpyxl/percent-long.xlsx"
    convert "$loc" "$LO/$loc" ods "$OUT/openpyxl/percent-long.xlsx"
done
convert de-DE "$LO/de-DE/csv" "$(csv_filter 59 76 1031)" "$BUILD"/csv-base/*.xlsx
convert zh-CN "$LO/zh-CN/csv-gb18030" "$(csv_filter 44 85 2052)" "$BUILD"/csv-base/*.xlsx
convert en-US "$LO/en-US/csv" "$(csv_filter 44 76 1033)" "$BUILD"/csv-base/*.xlsx

# 2. de-DE with ',' as the field separator: numbers as shown (#,##0.000) are quoted, "22.762,300".
convert de-DE "$LO/de-DE/csv-comma" "$(csv_filter 44 76 1031)" "$BUILD"/csv-comma/*.xlsx

# 3. de-DE, ',' separated, whole numbers only (#,##0): "22.762" and nothing else telling.
convert de-DE "$LO/de-DE/csv-ambiguous" "$(csv_filter 44 76 1031)" "$BUILD"/ambiguous/*.xlsx

# 4. Period date cells exported as shown: yyyy/m/d (2022/1/1) and yyyy"年"m"月" in zh-CN,
#    the short date (format 14) in en-US (1/1/2022).
convert zh-CN "$LO/zh-CN/csv-dates-slash" "$(csv_filter 44 76 2052)" "$BUILD"/dates-slash/*.xlsx
convert zh-CN "$LO/zh-CN/csv-dates-nianyue" "$(csv_filter 44 76 2052)" "$BUILD"/dates-nianyue/*.xlsx
convert en-US "$LO/en-US/csv-dates" "$(csv_filter 44 76 1033)" "$BUILD"/dates-us/*.xlsx

# 5. A Chinese sheet with note and signature rows, exported in GB18030 as Chinese offices do.
convert zh-CN "$LO/zh-CN/csv-notes-gb18030" "$(csv_filter 44 85 2052)" "$BUILD"/notes/*.xlsx

# 6. Formulas: the openpyxl and XlsxWriter workbooks opened and saved again as .xlsx, with the
#    default settings (never recalculate) and with "always recalculate".
for f in openpyxl/formula-long openpyxl/formula-wide xlsxwriter/formula-long \
    xlsxwriter/formula-wide xlsxwriter/template-formula-rows; do
    tool=${f%%/*}
    name=${f#*/}
    mkdir -p "$BUILD/rename/$tool"
    cp "$OUT/$f.xlsx" "$BUILD/rename/$tool/$tool-$name.xlsx"
    convert recalc "$LO/recalc" xlsx "$BUILD/rename/$tool/$tool-$name.xlsx"
    convert en-US "$LO/no-recalc" xlsx "$BUILD/rename/$tool/$tool-$name.xlsx"
done

# 7. Hidden draft sheets saved as .ods and .xls.
convert en-US "$LO/hidden" ods "$OUT/openpyxl/hidden-draft.xlsx"
convert en-US "$LO/hidden" xls "$OUT/openpyxl/hidden-draft.xlsx"

# 8. Merged park ids and the merged group header, saved as .ods and .xls.
convert zh-CN "$LO/merged" ods "$OUT/openpyxl/merged-group-header.xlsx" "$OUT/openpyxl/merged-park-ids.xlsx"
convert zh-CN "$LO/merged" xls "$OUT/openpyxl/merged-group-header.xlsx" "$OUT/openpyxl/merged-park-ids.xlsx"

# 9. Percent cells with a fraction unit, as .ods.
convert en-US "$LO/en-US" ods "$OUT/openpyxl/percent-fraction-unit.xlsx"
