"""Horizontal bar charts drawn on the server: SVG for pages and the PDF, PNG for office documents.

No chart library: a results chart is a few labelled bars, and drawing them here keeps every
screen and document on the same figures. Each bar's figures are written beside it as text, and
the chart's description (its ``<title>``, and the alt text of the PNG) repeats them all, so a
screen reader and the printed page read the same numbers.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape

WIDTH = 600
ROW_HEIGHT = 44
LABEL_SIZE = 13
BAR_HEIGHT = 18
# Room to the right of the longest bar for its figures ("1 234 (100 %)").
FIGURES_ROOM = 120
BAR_COLOUR = "#1f5a96"      # 7.3:1 against white
TEXT_COLOUR = "#111111"
FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# Labels this short (a scale's values) sit in a column beside the bars.
COMPACT_LABEL_CHARACTERS = 18
COMPACT_LABEL_WIDTH = 150
COMPACT_ROW_HEIGHT = 26
# A label longer than a line is cut in the drawing; the table and the description keep it whole.
LABEL_MAX_CHARACTERS = 78


@dataclass
class Bar:
    label: str
    value: float
    # The figures written beside the bar, e.g. "12 (33 %)".
    figures: str


@dataclass
class Placed:
    """Where one bar goes, in the SVG's units: its label's baseline, the bar, its figures' baseline."""
    label: str
    label_x: int
    label_y: int
    bar_x: int
    bar_y: int
    bar_width: int
    figures: str
    figures_y: int


@dataclass
class BarChart:
    title: str
    bars: list[Bar] = field(default_factory=list)

    @property
    def description(self) -> str:
        """The chart in words, every figure included: its alt text."""
        return f"{self.title}: " + "; ".join(f"{bar.label}: {bar.figures}" for bar in self.bars)

    @property
    def compact(self) -> bool:
        """Short labels (a scale's values) sit beside their bars; long ones (options) above them."""
        return all(len(bar.label) <= COMPACT_LABEL_CHARACTERS for bar in self.bars)

    @property
    def height(self) -> int:
        return (COMPACT_ROW_HEIGHT if self.compact else ROW_HEIGHT) * len(self.bars) + 6

    def placed(self) -> list[Placed]:
        """Every bar's geometry: the SVG and the PNG draw the same picture from it."""
        largest = max((bar.value for bar in self.bars), default=0)
        start = COMPACT_LABEL_WIDTH if self.compact else 0
        room = WIDTH - FIGURES_ROOM - start
        out = []
        for index, bar in enumerate(self.bars):
            width = round(room * bar.value / largest) if largest > 0 else 0
            if self.compact:
                top = index * COMPACT_ROW_HEIGHT
                out.append(Placed(shorten(bar.label), 0, top + 17, start, top + 4, width, bar.figures, top + 17))
            else:
                top = index * ROW_HEIGHT
                out.append(Placed(shorten(bar.label), 0, top + 14, 0, top + 20, width, bar.figures, top + 34))
        return out


def shorten(text: str, limit: int = LABEL_MAX_CHARACTERS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def bar_chart_svg(chart: BarChart) -> Markup:
    """The chart as inline SVG: an image to assistive technology, named by its description."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
             f'aria-label="{escape(chart.description)}" viewBox="0 0 {WIDTH} {chart.height}" '
             f'width="{WIDTH}" height="{chart.height}" font-family="{FONT_FAMILY}" font-size="{LABEL_SIZE}">',
             f"<title>{escape(chart.description)}</title>"]
    for bar in chart.placed():
        parts.append(f'<text x="{bar.label_x}" y="{bar.label_y}" fill="{TEXT_COLOUR}">{escape(bar.label)}</text>')
        if bar.bar_width:
            parts.append(f'<rect x="{bar.bar_x}" y="{bar.bar_y}" width="{bar.bar_width}" height="{BAR_HEIGHT}" '
                         f'fill="{BAR_COLOUR}"/>')
        parts.append(f'<text x="{bar.bar_x + bar.bar_width + 6}" y="{bar.figures_y}" fill="{TEXT_COLOUR}" '
                     f'font-weight="bold">{escape(bar.figures)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


@lru_cache(maxsize=4)
def png_font(size: int):
    from PIL import ImageFont
    try:
        return ImageFont.truetype(FONT_FILE, size)
    except OSError:  # no DejaVu: Pillow's own font, which has the Nordic letters too
        return ImageFont.load_default(size)


def bar_chart_png(chart: BarChart, scale: int = 2) -> bytes:
    """The same drawing as a PNG (``scale`` pixels per SVG unit), for DOCX and ODT."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (WIDTH * scale, chart.height * scale), "white")
    draw = ImageDraw.Draw(image)
    font = png_font(LABEL_SIZE * scale)
    label_room = (COMPACT_LABEL_WIDTH if chart.compact else WIDTH) * scale - 4
    for bar in chart.placed():
        # Anchored at the baseline ("ls"), as SVG places text.
        draw.text((bar.label_x * scale, bar.label_y * scale), fitted(bar.label, font, label_room), font=font,
                  fill=TEXT_COLOUR, anchor="ls")
        if bar.bar_width:
            draw.rectangle((bar.bar_x * scale, bar.bar_y * scale, (bar.bar_x + bar.bar_width) * scale - 1,
                            (bar.bar_y + BAR_HEIGHT) * scale - 1), fill=BAR_COLOUR)
        draw.text(((bar.bar_x + bar.bar_width + 6) * scale, bar.figures_y * scale), bar.figures, font=font,
                  fill=TEXT_COLOUR, anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def fitted(text: str, font, width: int) -> str:
    """The label cut (with an ellipsis) to what fits the picture's width."""
    while text and font.getlength(text) > width:
        text = text[:-2].rstrip() + "…"
    return text
