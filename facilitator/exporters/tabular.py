"""The raw data as a spreadsheet (CSV, XLSX): one row per suggestion and per answer, for counting
and sorting; the workbook adds a summary sheet with the answered questions' figures.

Every suggestion is there, whatever its status and whatever the minutes' options,
with its text as edited and as typed. Participants' text is data, never a
formula: a cell a spreadsheet would evaluate (starting with = + - @, a tab or a
carriage return) is neutralised, so a suggestion like ``=HYPERLINK(...)`` cannot
run when the organiser opens the file (CSV/formula injection, OWASP).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime

from flask_babel import force_locale, gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from facilitator.exporters import local_zone
from facilitator.exporters.docx import language_tag
from facilitator.exporters.tabular_kinds import SUMMARY_WIDTHS, answer_value, summary_header, summary_rows
from facilitator.services.minutes import Minutes, MinutesItem
from facilitator.services.minutes_kinds import MinutesAnswer
from facilitator.services.minutes_photos import MinutesPhoto

# Full-width forms too: some spreadsheet locales read them as the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def header() -> list[str]:
    return [_("Question"), _("Table"), _("Round"), _("Text"), _("Original text"), _("Status"),
            _("Dots"), _("Theme"), _("Action"), _("Time")]


def status_name(status: str, answered: bool = False) -> str:
    if answered:
        return _("answered")
    names = {"visible": _("visible"), "hidden": _("hidden"), "pending": _("awaiting approval"),
             "merged": _("merged")}
    return names.get(status, status)


def table_value(item: MinutesItem | MinutesAnswer | MinutesPhoto) -> int | str | None:
    if item.table is None:
        return None
    return f"{item.table} · {item.table_name}" if item.table_name else item.table


def local_time(moment: datetime | None, zone) -> datetime | None:
    """When it was sent, on the venue's clock, without an offset (spreadsheets take no zones)."""
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


def rows(minutes: Minutes) -> list[list]:
    """Typed values (int, str, datetime, None) of every suggestion and answer, question by question."""
    zone = local_zone()
    out = []
    for question in minutes.questions:
        for item in question.items:
            out.append([question.text, table_value(item), item.round, item.text, item.original_text,
                        status_name(item.status, item.answered), item.votes, item.theme, item.action,
                        local_time(item.created_at, zone)])
        for answer in question.answers:
            status = answer.other_status if answer.other_text else "visible"
            out.append([question.text, table_value(answer), None, answer_value(question, answer), "",
                        status_name(status), None, "", "", local_time(answer.updated_at, zone)])
    return out + photo_rows(minutes, zone)


def photo_rows(minutes: Minutes, zone) -> list[list]:
    """A row per photo (whatever the minutes' options): its question, table, round and caption; the
    'original text' column says what the stored picture is."""
    questions = {question.number: question.text for question in minutes.questions}
    out = []
    for photo in minutes.photos:
        stored = _("JPEG photo, %(width)d × %(height)d px, %(size)d kB", width=photo.width,
                   height=photo.height, size=max(round(photo.stored_bytes / 1024), 1))
        out.append([questions.get(photo.question, ""), table_value(photo), photo.round, photo.caption, stored,
                    _("photo"), None, "", "", local_time(photo.created_at, zone)])
    return out


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_value(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    return neutralise(value) if isinstance(value, str) else value


def render_csv(minutes: Minutes) -> bytes:
    """UTF-8 with a byte-order mark, semicolons, CRLF.

    Excel opens a double-clicked .csv with the system's list separator and, without
    a BOM, the system's 8-bit code page. In Norwegian, Swedish, Danish and Finnish
    settings the list separator is the semicolon (the comma is the decimal mark),
    so commas would leave every row in one column; and the BOM is what makes Excel
    read UTF-8, so æ, ø, å, ä and ö arrive intact. LibreOffice and Numbers detect
    both. (A "sep=;" first line would also select the separator, but makes Excel
    ignore the BOM and so mangle the letters.)
    """
    with force_locale(minutes.language):
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(header())
        for row in rows(minutes):
            writer.writerow([csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


WIDTHS = [40, 10, 8, 50, 50, 14, 8, 20, 30, 20]


def render_xlsx(minutes: Minutes) -> bytes:
    """The raw data's sheet, and a summary sheet when questions were answered; text cells are strings
    with Excel's quote prefix, never formulas."""
    with force_locale(minutes.language):
        workbook = Workbook(write_only=True)
        workbook.properties.title = minutes.title
        workbook.properties.language = language_tag(minutes.language)
        workbook.properties.subject = minutes.theme or None
        sheet = workbook.create_sheet(sheet_name(_("Suggestions")))
        for index, width in enumerate(WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        data = rows(minutes)
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(WIDTHS))}{len(data) + 1}"
        bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        sheet.append([header_cell(sheet, name, bold) for name in header()])
        for row in data:
            sheet.append([xlsx_cell(sheet, value, wrap) for value in row])
        add_summary(workbook, summary_rows(minutes), bold, wrap)
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def sheet_name(name: str) -> str:
    # Sheet names may not hold []:*?/\ and are at most 31 characters.
    return name[:31].translate(str.maketrans("", "", "[]:*?/\\"))


def add_summary(workbook: Workbook, data: list[list], bold: Font, wrap: Alignment) -> None:
    """The figures of the answered questions, shares shown as percentages and means with two decimals."""
    if not data:
        return
    sheet = workbook.create_sheet(sheet_name(_("Summary")))
    for index, width in enumerate(SUMMARY_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(SUMMARY_WIDTHS))}{len(data) + 1}"
    sheet.append([header_cell(sheet, name, bold) for name in summary_header()])
    formats = {5: "0%", 6: "0.00"}
    for row in data:
        cells = []
        for column, value in enumerate(row):
            cell = xlsx_cell(sheet, value, wrap)
            if column in formats and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = formats[column]
            cells.append(cell)
        sheet.append(cells)


def header_cell(sheet, name: str, bold: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=name)
    cell.font = bold
    return cell


def xlsx_cell(sheet, value, wrap: Alignment):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if not isinstance(value, str):
        return value
    # Control characters are not allowed in XML; the text services never store them, but a
    # spreadsheet must open whatever an older version let through.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    # openpyxl makes any string starting with "=" a formula; keep it text, and set the
    # quote prefix so that editing the cell in Excel does not turn it into one either.
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    cell.alignment = wrap
    return cell
