"""Export rows to xlsx or csv, safely: text that a spreadsheet could read as a formula is
written as text, xlsx is streamed in constant memory."""
import csv
import io
import tempfile
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from flask import Response, send_file

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell for csv: formula-like text gets a leading apostrophe (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(filename: str, headers: list, rows) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 csv with Chinese text correctly only with a BOM
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": _disposition(filename)})


def print_setup(sheet, header_row=None):
    """Print as A4 landscape, fit to the page width, the header row on every page."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if header_row is not None:
        sheet.repeat_rows(header_row)
    sheet.set_footer("&C&P / &N")


def write_sheet(workbook, name: str, headers: list, rows, widths=None):
    """One sheet with a bold frozen header row, filters, dates and money formatted; every text
    cell written as a string, never as a formula; printed landscape at page width."""
    sheet = workbook.add_worksheet(name)
    print_setup(sheet, 0)
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = workbook.add_format({"num_format": "#,##0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(header), bold)
        sheet.set_column(col, col, (widths or {}).get(col, 16))
    r = 0
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Decimal):
                sheet.write_number(r, col, float(value), money)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, col, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(r, col, value, day)
            elif isinstance(value, date):
                sheet.write_datetime(r, col, datetime(value.year, value.month, value.day), day)
            else:
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(r, 1), max(len(headers) - 1, 0))
    return sheet


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_xlsx(source, filename: str):
    """Send an xlsx as a download. `source` is a file object holding it, or write(file) that
    writes it (into a temporary file, so large workbooks stay out of memory)."""
    if callable(source):
        tmp = tempfile.TemporaryFile()
        source(tmp)
        tmp.seek(0)
        source = tmp
    return send_file(source, download_name=filename, as_attachment=True,
                     mimetype=XLSX_MIMETYPE)


def xlsx_response(filename: str, sheet_name: str, headers: list, rows, widths=None):
    def write(file):
        workbook = xlsxwriter.Workbook(file, {"constant_memory": True,
                                              "strings_to_formulas": False,
                                              "strings_to_urls": False})
        write_sheet(workbook, sheet_name, headers, rows, widths)
        workbook.close()
    return send_xlsx(write, filename)


def _disposition(filename: str) -> str:
    from urllib.parse import quote
    return f"attachment; filename*=UTF-8''{quote(filename)}"
