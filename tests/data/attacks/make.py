#!/usr/bin/env python3
"""Hostile inputs: files a hostile operator or client would send to take the reader (and the
portal) down. Each is small on the wire and huge once expanded, or far, or encrypted.

    python3 tests/data/attacks/make.py OUTDIR [--cells N] [--bomb]

Writes into OUTDIR (the test suite calls this with a temporary folder; nothing is committed but
this script and `far-cell.xls`, made once with xlwt, see the end):

- junk-lines.csv       a header, then a million lines of `x` (2 MB): one problem a line
- repeated.ods         808 bytes whose content repeats a value over 1,048,576 x 1,024 cells
                       (`table:number-rows-repeated`, `table:number-columns-repeated`)
- encrypted-bomb.xlsx  a workbook whose sheet inflates to 1 GB, beside a part marked encrypted
                       (an archive reader that fails on it must refuse the file, not skip checks)
- billion-char.xlsx    one cell of 1,000,000,000 characters (about 1 MB compressed)
- many-cells.xlsx      N one-digit cells (default 20,000,001: one past the sheet's bound)
- bomb-100mb.xlsx      about 370 kB that inflate to 100 MB of ordinary-looking rows (700,000
                       rows of one park's data, every one a duplicate of the first)

Only the standard library is used (zipfile, zlib), so any Python 3 runs it.
"""

import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      '</Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
      '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
      '<sheets><sheet name="activity" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           '</Relationships>')
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>park_id</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>year</t></is></c>'
              '<c r="C1" t="inlineStr"><is><t>metric</t></is></c>'
              '<c r="D1" t="inlineStr"><is><t>value</t></is></c>'
              '<c r="E1" t="inlineStr"><is><t>unit</t></is></c></row>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = '</sheetData></worksheet>'


def streamed(z: zipfile.ZipFile, name: str, pieces):
    """A part written piece by piece (never held whole), deflated."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 9  # the ZipInfo's own level (zipfile reads it when writing)
    with z.open(info, "w", force_zip64=True) as f:
        for p in pieces:
            f.write(p)


def skeleton(z: zipfile.ZipFile):
    for name, text in [("[Content_Types].xml", CT), ("_rels/.rels", RELS),
                       ("xl/workbook.xml", WB), ("xl/_rels/workbook.xml.rels", WB_RELS)]:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, text)


def long_text(n: int, chunk: int = 1 << 20):
    block = b"a" * chunk
    while n > 0:
        k = min(n, chunk)
        yield block[:k]
        n -= k


def billion_char(path: Path, n: int = 1_000_000_000):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        skeleton(z)
        head = (SHEET_HEAD + HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>').encode()
        tail = ('</t></is></c></row>' + SHEET_TAIL).encode()
        streamed(z, "xl/worksheets/sheet1.xml", [head, *long_text(n), tail])


def encrypted_bomb(path: Path):
    """The 1 GB sheet, plus a part whose 'encrypted' flag is set (general purpose bit 0)."""
    billion_char(path)
    data = bytearray(path.read_bytes())
    # Add a small part, then mark it encrypted in its local header and central directory entry.
    with zipfile.ZipFile(io.BytesIO(data), "a", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("xl/secret.bin", date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, b"secret" * 100)
        buf = z.fp
    out = bytearray(buf.getvalue())
    name = b"xl/secret.bin"
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while True:
            i = out.find(sig, start)
            if i < 0:
                break
            start = i + 4
            flags_at, name_len_at, name_at = (i + 6, i + 26, i + 30) if sig == b"PK\x03\x04" else (i + 8, i + 28, i + 46)
            nlen = struct.unpack_from("<H", out, name_len_at)[0]
            if bytes(out[name_at:name_at + nlen]) == name:
                flags = struct.unpack_from("<H", out, flags_at)[0]
                struct.pack_into("<H", out, flags_at, flags | 1)
    path.write_bytes(bytes(out))


def many_cells(path: Path, cells: int):
    """`cells` one-digit cells, 1,000 to a row, under the header."""
    per_row = 1000

    def rows():
        yield (SHEET_HEAD + HEADER_ROW).encode()
        left, r = cells, 2
        row_full = ("<c><v>1</v></c>" * per_row).encode()
        while left > 0:
            k = min(per_row, left)
            body = row_full if k == per_row else ("<c><v>1</v></c>" * k).encode()
            yield f'<row r="{r}">'.encode() + body + b"</row>"
            left -= k
            r += 1
        yield SHEET_TAIL.encode()

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        skeleton(z)
        streamed(z, "xl/worksheets/sheet1.xml", rows())


def bomb_100mb(path: Path, target: int = 100_000_000):
    """Rows that look like data, repeated until the sheet's XML is `target` bytes."""
    # Rows and cells without `r` (it is optional): they follow one another.
    row = ('<row><c t="inlineStr"><is><t>p1</t></is></c><c><v>2023</v></c>'
           '<c t="inlineStr"><is><t>electricity_grid</t></is></c><c><v>1234.5</v></c>'
           '<c t="inlineStr"><is><t>MWh</t></is></c></row>').encode()
    block = row * 1000

    def rows():
        yield (SHEET_HEAD + HEADER_ROW).encode()
        written = 0
        while written < target:
            written += len(block)
            yield block
        yield SHEET_TAIL.encode()

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        skeleton(z)
        streamed(z, "xl/worksheets/sheet1.xml", rows())


def repeated_ods(path: Path):
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
               '<office:body><office:spreadsheet><table:table table:name="activity">'
               '<table:table-row><table:table-cell office:value-type="string"><text:p>park_id</text:p></table:table-cell>'
               '<table:table-cell office:value-type="string"><text:p>year</text:p></table:table-cell></table:table-row>'
               '<table:table-row table:number-rows-repeated="1048576">'
               '<table:table-cell table:number-columns-repeated="1024" office:value-type="float" office:value="1"/>'
               '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("mimetype", date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        info = zipfile.ZipInfo("content.xml", date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, content)


def junk_lines(path: Path, n: int = 1_000_000):
    with open(path, "wb") as f:
        f.write(b"park_id,year,metric,value,unit\n")
        f.write(b"x\n" * n)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0])
    cells = 20_000_001
    if "--cells" in sys.argv:
        cells = int(sys.argv[sys.argv.index("--cells") + 1])
    out.mkdir(parents=True, exist_ok=True)
    junk_lines(out / "junk-lines.csv")
    repeated_ods(out / "repeated.ods")
    billion_char(out / "billion-char.xlsx")
    encrypted_bomb(out / "encrypted-bomb.xlsx")
    many_cells(out / "many-cells.xlsx", cells)
    if "--bomb" in sys.argv:
        bomb_100mb(out / "bomb-100mb.xlsx")
    for p in sorted(out.iterdir()):
        print(f"{p.name}\t{p.stat().st_size}")


if __name__ == "__main__":
    main()

# far-cell.xls (committed beside this script, 5.6 kB) was made once with xlwt 1.3.0:
#   import xlwt; b = xlwt.Workbook(); s = b.add_sheet("activity")
#   for c, h in enumerate(["park_id", "year", "metric", "value", "unit"]): s.write(0, c, h)
#   s.write(65535, 255, 1); b.save("far-cell.xls")
# (a cell at IV65536, the last of a BIFF8 sheet: a reader that builds the rectangle up to it
# holds 16.7 million cells).
