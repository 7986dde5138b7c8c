"""Minutes as a Word document (DOCX), for municipalities that file and edit in Word.

Built from the outline with Word's own styles (Title, Heading 1-3, List Bullet,
List Number, Table Grid), so the navigation pane, a table of contents and screen
readers find the structure; A4 pages numbered in the footer; the workshop's
language set on the text (spelling and hyphenation) and in the core properties.
"""
from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from flask_babel import force_locale

from facilitator.exporters import labels
from facilitator.exporters.outline import build_outline, flatten
from facilitator.exporters.charts import bar_chart_png
from facilitator.services.minutes import Minutes

# Word names languages with their region; Babel's codes alone would not select a dictionary.
LANGUAGE_TAGS = {"nb": "nb-NO", "nn": "nn-NO", "sv": "sv-SE", "da": "da-DK", "fi": "fi-FI", "en": "en-GB"}


# What, who, when, status: the action's text gets the room (17 cm between the margins).
COLUMN_WIDTHS_CM = (8.0, 4.2, 2.8, 2.0)
TEXT_WIDTH_CM = 17.0
# A chart across most of the text's width: its 600 units are 15 cm on paper.
CHART_WIDTH_CM = 15.0
# A photo across the text's width, a portrait one no taller than this (it stays on one page).
PHOTO_MAX_HEIGHT_CM = 16.0


def photo_size_cm(width: int, height: int, max_width: float, max_height: float) -> tuple[float, float]:
    """The photo scaled to the page: the whole text width, unless that makes it too tall."""
    scale = min(max_width / width, max_height / height)
    return width * scale, height * scale


def language_tag(language: str) -> str:
    return LANGUAGE_TAGS.get(language, language or "en-GB")


class DocxWriter:
    def __init__(self, minutes: Minutes):
        self.minutes = minutes
        self.doc = Document()
        # Style lookups by name walk the whole style list; resolve each once.
        styles = self.doc.styles
        self.styles = {name: styles[name] for name in (
            "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Number", "Normal",
            "Table Grid")}
        # Assigning a style object still makes python-docx scan every style for the default one,
        # per paragraph (most of the time of a long document): keep the ids, None for the default.
        default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self.style_ids = {name: None if style == default else style.style_id
                          for name, style in self.styles.items()}
        self.number_list_abstract = self.abstract_num_of(self.styles["List Number"])

    def write(self) -> bytes:
        with force_locale(self.minutes.language):
            outline = build_outline(self.minutes)
            self.set_up(labels())
            self.add_styled(outline.title, "Title")
            for block in flatten(outline.blocks):
                getattr(self, f"add_{block.kind}")(block)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    def set_up(self, label: dict[str, str]) -> None:
        minutes = self.minutes
        props = self.doc.core_properties
        props.title = minutes.title
        props.language = language_tag(minutes.language)
        props.subject = minutes.theme
        props.author = minutes.signature.strip().split("\n")[0] if minutes.signature.strip() else ""
        props.last_modified_by = ""
        props.keywords = label["minutes"]
        props.created = props.modified = minutes.compiled_at.replace(tzinfo=None) \
            if isinstance(minutes.compiled_at, datetime) else None
        props.revision = max(minutes.revision, 1)
        self.set_language(language_tag(minutes.language))
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = section.top_margin = Cm(2)
        section.bottom_margin = Cm(2.2)
        self.add_page_number(section.footer.paragraphs[0])
        self.styles["Normal"].font.size = Pt(11)

    def set_language(self, tag: str) -> None:
        """The document's default language, which every style inherits."""
        styles = self.doc.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        for attribute in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attribute), tag)

    def add_page_number(self, paragraph) -> None:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        paragraph._p.append(field)

    def add_styled(self, text: str, style: str):
        """A new paragraph at the end of the document, in one of the Word styles above."""
        paragraph = self.doc.add_paragraph(text)
        if self.style_ids[style]:
            paragraph._p.style = self.style_ids[style]
        return paragraph

    def add_text(self, paragraph, text: str) -> None:
        """Text with its line breaks kept as breaks within the paragraph."""
        for index, line in enumerate(text.split("\n")):
            run = paragraph.add_run(line)
            if index:
                run._r.insert(0, OxmlElement("w:br"))

    def add_facts(self, block) -> None:
        for name, value in block.rows:
            paragraph = self.add_styled("", "Normal")
            paragraph.add_run(f"{name}: ").bold = True
            paragraph.add_run(value)
            paragraph.paragraph_format.space_after = Pt(0)
        if block.rows:
            paragraph.paragraph_format.space_after = Pt(10)

    def add_heading(self, block) -> None:
        self.add_styled(block.text, f"Heading {min(block.level, 3)}")

    def add_paragraph(self, block) -> None:
        paragraph = self.add_styled("", "Normal")
        if block.role == "empty":
            paragraph.add_run(block.text).italic = True
        else:
            self.add_text(paragraph, block.text)
        if block.role == "label":
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.space_after = Pt(2)

    def add_list(self, block) -> None:
        style = "List Number" if block.ordered else "List Bullet"
        num_id = self.restart_numbering() if block.ordered else None
        for item in block.entries:
            paragraph = self.add_styled("", style)
            self.add_text(paragraph, item.text)
            if item.note:
                paragraph.add_run(f" ({item.note})").italic = True
            if num_id is not None:
                self.set_numbering(paragraph, num_id)

    def add_table(self, block) -> None:
        table = self.doc.add_table(rows=1, cols=len(block.header))
        table.style = self.styles["Table Grid"]
        header = table.rows[0]
        # Repeated at the top of each page, and announced as headers by screen readers.
        header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, name in zip(header.cells, block.header, strict=True):
            cell.paragraphs[0].add_run(name).bold = True
        for row in block.rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                self.add_text(cell.paragraphs[0], value)
        table.autofit = False
        for column, width in zip(table.columns, block.widths(TEXT_WIDTH_CM, COLUMN_WIDTHS_CM), strict=False):
            # The grid's width too: LibreOffice reads that one, Word the cells'.
            column.width = Cm(width)
            for cell in column.cells:
                cell.width = Cm(width)
        if block.caption:
            caption = OxmlElement("w:tblCaption")
            caption.set(qn("w:val"), block.caption)
            table._tbl.tblPr.append(caption)
        self.add_styled("", "Normal")

    def add_chart(self, block) -> None:
        """The chart as a picture in its own paragraph, its description as the alt text."""
        paragraph = self.add_styled("", "Normal")
        paragraph.paragraph_format.keep_together = True
        run = paragraph.add_run()
        run.add_picture(io.BytesIO(bar_chart_png(block.chart)), width=Cm(CHART_WIDTH_CM))
        properties = run._r.xpath(".//wp:docPr")[0]
        properties.set("descr", block.chart.description)
        properties.set("title", block.chart.title)

    def add_photo(self, block) -> None:
        """The photo in its own paragraph, scaled to the page, its caption or place as alt text."""
        paragraph = self.add_styled("", "Normal")
        width, _height = photo_size_cm(block.width, block.height, TEXT_WIDTH_CM, PHOTO_MAX_HEIGHT_CM)
        run = paragraph.add_run()
        run.add_picture(io.BytesIO(block.image), width=Cm(width))
        properties = run._r.xpath(".//wp:docPr")[0]
        properties.set("descr", block.alt)
        if block.caption:
            caption = self.add_styled("", "Normal")
            caption.add_run(block.caption).italic = True

    def abstract_num_of(self, style) -> int | None:
        numbering = self.doc.part.numbering_part.numbering_definitions._numbering
        num_pr = style.element.pPr.numPr if style.element.pPr is not None else None
        if num_pr is None or num_pr.numId is None:
            return None
        return numbering.num_having_numId(num_pr.numId.val).abstractNumId.val

    def restart_numbering(self) -> int | None:
        """A fresh numbering instance, so each ranking starts again at 1 (Word continues otherwise)."""
        if self.number_list_abstract is None:
            return None
        numbering = self.doc.part.numbering_part.numbering_definitions._numbering
        num = numbering.add_num(self.number_list_abstract)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        return num.numId

    def set_numbering(self, paragraph, num_id: int) -> None:
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id


def render_docx(minutes: Minutes) -> bytes:
    return DocxWriter(minutes).write()
