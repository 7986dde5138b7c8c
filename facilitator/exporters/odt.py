"""Minutes as an OpenDocument text (ODT), the open format many Nordic municipalities file in.

The same outline as every format: real headings (text:h with outline levels and
the standard "Heading 1-3" styles, so the Navigator and a table of contents see
them), lists, a table with a repeated header row, A4 pages numbered in the footer,
and the workshop's language on the default style and in the metadata.
"""
from __future__ import annotations

import io

from flask_babel import force_locale
from odf import dc, meta, teletype
from odf.draw import Frame, Image
from odf.svg import Desc, Title as SvgTitle
from odf.opendocument import OpenDocumentText
from odf.style import (
    DefaultStyle, Footer, ListLevelProperties, MasterPage, PageLayout, PageLayoutProperties,
    ParagraphProperties, Style, TableCellProperties, TableColumnProperties, TableProperties,
    TextProperties,
)
from odf.table import Table, TableCell, TableColumn, TableHeaderRows, TableRow
from odf.text import (
    H, List, ListItem, ListLevelStyleBullet, ListLevelStyleNumber, ListStyle, P, PageNumber, Span,
)

from facilitator.exporters import labels
from facilitator.exporters.docx import PHOTO_MAX_HEIGHT_CM, language_tag, photo_size_cm
from facilitator.exporters.outline import build_outline, flatten
from facilitator.exporters.charts import WIDTH, bar_chart_png, bar_chart_svg
from facilitator.services.minutes import Minutes

SERIF = "DejaVu Serif"
# What, who, when, status: the action's text gets the room (17 cm between the margins).
COLUMN_WIDTHS_CM = (8.0, 4.2, 2.8, 2.0)
TEXT_WIDTH_CM = 17.0
CHART_WIDTH_CM = 15.0


def paragraph_style(name: str, display: str | None = None, parent: str | None = "Standard",
                    family: str = "paragraph", **kwargs) -> Style:
    attributes = {"name": name, "family": family, **kwargs}
    if display:
        attributes["displayname"] = display
    if parent:
        attributes["parentstylename"] = parent
    return Style(**attributes)


class OdtWriter:
    def __init__(self, minutes: Minutes):
        self.minutes = minutes
        self.doc = OpenDocumentText()
        self.styles: dict[str, Style] = {}
        self.charts = 0
        self.photos = 0

    def write(self) -> bytes:
        with force_locale(self.minutes.language):
            outline = build_outline(self.minutes)
            self.set_up(labels())
            self.doc.text.addElement(self.text(P(stylename=self.styles["Title"]), outline.title))
            for block in flatten(outline.blocks):
                getattr(self, f"add_{block.kind}")(block)
        buffer = io.BytesIO()
        self.doc.write(buffer)
        return buffer.getvalue()

    def set_up(self, label: dict[str, str]) -> None:
        minutes = self.minutes
        language, _, country = language_tag(minutes.language).partition("-")
        self.doc.meta.addElement(dc.Title(text=minutes.title))
        self.doc.meta.addElement(dc.Language(text=language_tag(minutes.language)))
        if minutes.theme:
            self.doc.meta.addElement(dc.Subject(text=minutes.theme))
        if minutes.signature.strip():
            self.doc.meta.addElement(meta.InitialCreator(text=minutes.signature.strip().split("\n")[0]))
        self.doc.meta.addElement(meta.Keyword(text=label["minutes"]))
        self.define_styles(language, country)
        self.define_page()

    def define_styles(self, language: str, country: str) -> None:
        default = DefaultStyle(family="paragraph")
        default.addElement(TextProperties(fontname=SERIF, fontfamily=SERIF, fontsize="11pt",
                                          language=language, country=country))
        self.doc.styles.addElement(default)
        standard = paragraph_style("Standard", parent=None, attributes={"class": "text"})
        standard.addElement(TextProperties(fontfamily=SERIF, fontsize="11pt", language=language,
                                           country=country))
        standard.addElement(ParagraphProperties(marginbottom="0.2cm"))
        self.add_style(standard)
        heading = paragraph_style("Heading", nextstylename="Text_20_body", attributes={"class": "text"})
        heading.addElement(ParagraphProperties(margintop="0.42cm", marginbottom="0.21cm", keepwithnext="always"))
        heading.addElement(TextProperties(fontfamily=SERIF, fontweight="bold"))
        self.add_style(heading)
        self.add_style(paragraph_style("Text_20_body", "Text body", attributes={"class": "text"}))
        title = paragraph_style("Title", "Title", parent="Heading", attributes={"class": "chapter"})
        title.addElement(TextProperties(fontsize="20pt", fontweight="bold"))
        self.add_style(title)
        for level, size in ((1, "15pt"), (2, "13pt"), (3, "11.5pt")):
            style = paragraph_style(f"Heading_20_{level}", f"Heading {level}", parent="Heading",
                                    defaultoutlinelevel=str(level), attributes={"class": "text"})
            style.addElement(TextProperties(fontsize=size, fontweight="bold",
                                            fontstyle="italic" if level == 3 else "normal"))
            self.add_style(style)
        for name, display in (("List_20_Bullet", "List Bullet"), ("List_20_Number", "List Number")):
            style = paragraph_style(name, display, attributes={"class": "list"})
            style.addElement(ParagraphProperties(marginbottom="0.08cm"))
            self.add_style(style)
        label = paragraph_style("Label", "Label")
        label.addElement(ParagraphProperties(keepwithnext="always", marginbottom="0.08cm"))
        self.add_style(label)
        signature = paragraph_style("Signature", "Signature")
        signature.addElement(ParagraphProperties(margintop="0.5cm"))
        self.add_style(signature)
        footer = paragraph_style("Footer", "Footer", attributes={"class": "extra"})
        footer.addElement(ParagraphProperties(textalign="center"))
        footer.addElement(TextProperties(fontsize="9pt"))
        self.add_style(footer)
        cell_text = paragraph_style("Table_20_Contents", "Table Contents", attributes={"class": "extra"})
        self.add_style(cell_text)
        cell_heading = paragraph_style("Table_20_Heading", "Table Heading", parent="Table_20_Contents",
                                       attributes={"class": "extra"})
        cell_heading.addElement(TextProperties(fontweight="bold"))
        self.add_style(cell_heading)
        self.define_automatic_styles()

    def define_automatic_styles(self) -> None:
        auto = self.doc.automaticstyles
        strong = Style(name="Strong", family="text")
        strong.addElement(TextProperties(fontweight="bold"))
        emphasis = Style(name="Emphasis", family="text")
        emphasis.addElement(TextProperties(fontstyle="italic"))
        table = Style(name="ActionTable", family="table")
        # Collapsed: neighbouring cells share one border line instead of drawing two side by side.
        table.addElement(TableProperties(width="17cm", align="left", bordermodel="collapsing"))
        facts = paragraph_style("Facts", "Facts")
        facts.addElement(ParagraphProperties(marginbottom="0cm"))
        self.add_style(facts)
        cell = Style(name="ActionCell", family="table-cell")
        cell.addElement(TableCellProperties(border="0.5pt solid #999999", padding="0.1cm"))
        bullets = ListStyle(name="Bullets")
        bullet = ListLevelStyleBullet(level=1, bulletchar="•")
        bullet.addElement(ListLevelProperties(spacebefore="0.3cm", minlabelwidth="0.5cm"))
        bullets.addElement(bullet)
        numbers = ListStyle(name="Numbers")
        number = ListLevelStyleNumber(level=1, numformat="1", numsuffix=".")
        number.addElement(ListLevelProperties(spacebefore="0.3cm", minlabelwidth="0.6cm"))
        numbers.addElement(number)
        for style in (strong, emphasis, table, cell, bullets, numbers):
            auto.addElement(style)
            self.styles[style.getAttribute("name")] = style

    def add_style(self, style: Style) -> None:
        self.doc.styles.addElement(style)
        self.styles[style.getAttribute("name")] = style

    def define_page(self) -> None:
        layout = PageLayout(name="A4")
        layout.addElement(PageLayoutProperties(pagewidth="21cm", pageheight="29.7cm", margintop="2cm",
                                               marginbottom="1.6cm", marginleft="2cm", marginright="2cm",
                                               printorientation="portrait"))
        self.doc.automaticstyles.addElement(layout)
        master = MasterPage(name="Standard", pagelayoutname=layout)
        footer = Footer()
        number = P(stylename=self.styles["Footer"])
        number.addElement(PageNumber(selectpage="current", text="1"))
        footer.addElement(number)
        master.addElement(footer)
        self.doc.masterstyles.addElement(master)

    def text(self, element, text: str):
        # teletype turns line breaks and runs of spaces into ODF's own elements.
        teletype.addTextToElement(element, text)
        return element

    def add_facts(self, block) -> None:
        for n, (name, value) in enumerate(block.rows, start=1):
            paragraph = P(stylename=self.styles["Standard" if n == len(block.rows) else "Facts"])
            paragraph.addElement(Span(stylename=self.styles["Strong"], text=f"{name}: "))
            paragraph.addText(value)
            self.doc.text.addElement(paragraph)

    def add_heading(self, block) -> None:
        level = min(block.level, 3)
        self.doc.text.addElement(self.text(
            H(outlinelevel=level, stylename=self.styles[f"Heading_20_{level}"]), block.text))

    def add_paragraph(self, block) -> None:
        style = {"label": "Label", "signature": "Signature"}.get(block.role, "Standard")
        paragraph = P(stylename=self.styles[style])
        if block.role == "empty":
            paragraph.addElement(Span(stylename=self.styles["Emphasis"], text=block.text))
        else:
            self.text(paragraph, block.text)
        self.doc.text.addElement(paragraph)

    def add_list(self, block) -> None:
        items = List(stylename=self.styles["Numbers" if block.ordered else "Bullets"])
        style = self.styles["List_20_Number" if block.ordered else "List_20_Bullet"]
        for entry in block.entries:
            paragraph = self.text(P(stylename=style), entry.text)
            if entry.note:
                paragraph.addElement(Span(stylename=self.styles["Emphasis"], text=f" ({entry.note})"))
            item = ListItem()
            item.addElement(paragraph)
            items.addElement(item)
        self.doc.text.addElement(items)

    def add_table(self, block) -> None:
        table = Table(name=block.caption or "Table", stylename=self.styles["ActionTable"])
        for width in block.widths(TEXT_WIDTH_CM, COLUMN_WIDTHS_CM):
            table.addElement(TableColumn(stylename=self.column_style(width)))
        header = TableHeaderRows()
        header.addElement(self.table_row(block.header, "Table_20_Heading"))
        table.addElement(header)
        for row in block.rows:
            table.addElement(self.table_row(row, "Table_20_Contents"))
        self.doc.text.addElement(table)
        self.doc.text.addElement(P(stylename=self.styles["Standard"]))

    def column_style(self, width: float) -> Style:
        """A table column's style of that width, made once per width."""
        name = f"Column{round(width * 100)}"
        if name not in self.styles:
            style = Style(name=name, family="table-column")
            style.addElement(TableColumnProperties(columnwidth=f"{width:.2f}cm"))
            self.doc.automaticstyles.addElement(style)
            self.styles[name] = style
        return self.styles[name]

    def add_chart(self, block) -> None:
        """The chart as SVG with a PNG for readers without SVG, its figures in the frame's description."""
        self.charts += 1
        chart = block.chart
        width = CHART_WIDTH_CM
        frame = Frame(anchortype="as-char", width=f"{width}cm", height=f"{width * chart.height / WIDTH:.2f}cm",
                      name=f"Chart {self.charts}")
        svg = ('<?xml version="1.0" encoding="UTF-8"?>\n' + str(bar_chart_svg(chart))).encode()
        for extension, mediatype, content in (("svg", "image/svg+xml", svg), ("png", "image/png", bar_chart_png(chart))):
            href = self.doc.addPicture(f"Pictures/chart-{self.charts}.{extension}", mediatype, content)
            frame.addElement(Image(href=href, type="simple", show="embed", actuate="onLoad"))
        frame.addElement(SvgTitle(text=chart.title))
        frame.addElement(Desc(text=chart.description))
        paragraph = P(stylename=self.styles["Standard"])
        paragraph.addElement(frame)
        self.doc.text.addElement(paragraph)

    def add_photo(self, block) -> None:
        """The photo embedded, scaled to the page, its caption or place as the frame's description."""
        self.photos += 1
        width, height = photo_size_cm(block.width, block.height, TEXT_WIDTH_CM, PHOTO_MAX_HEIGHT_CM)
        frame = Frame(anchortype="as-char", width=f"{width:.2f}cm", height=f"{height:.2f}cm",
                      name=f"Photo {self.photos}")
        href = self.doc.addPicture(f"Pictures/photo-{self.photos}.jpg", "image/jpeg", block.image)
        frame.addElement(Image(href=href, type="simple", show="embed", actuate="onLoad"))
        frame.addElement(SvgTitle(text=block.alt))
        frame.addElement(Desc(text=block.alt))
        paragraph = P(stylename=self.styles["Standard"])
        paragraph.addElement(frame)
        self.doc.text.addElement(paragraph)
        if block.caption:
            self.doc.text.addElement(self.text(P(stylename=self.styles["Standard"]), block.caption))

    def table_row(self, values: list[str], style: str) -> TableRow:
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string", stylename=self.styles["ActionCell"])
            cell.addElement(self.text(P(stylename=self.styles[style]), value))
            row.addElement(cell)
        return row


def render_odt(minutes: Minutes) -> bytes:
    return OdtWriter(minutes).write()
