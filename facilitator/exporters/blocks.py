"""The blocks an outline is made of; each document format maps them to its own markup."""
from __future__ import annotations

import base64
from dataclasses import dataclass, field

from markupsafe import Markup

from facilitator.exporters.charts import BarChart, bar_chart_svg


@dataclass
class Heading:
    text: str
    level: int
    kind: str = "heading"


@dataclass
class Paragraph:
    text: str
    # "" plain; "label" introduces a list; "empty" says nothing is there; "signature".
    role: str = ""
    kind: str = "paragraph"


@dataclass
class Facts:
    rows: list[tuple[str, str]]
    kind: str = "facts"


@dataclass
class Entry:
    text: str
    note: str = ""


@dataclass
class ItemList:
    entries: list[Entry]
    ordered: bool = False
    kind: str = "list"


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    # "figures": a result's table, the first column (what was chosen) wide and the figures narrow.
    role: str = ""
    kind: str = "table"

    def widths(self, total: float, defaults: tuple[float, ...]) -> list[float]:
        """The columns' widths in the unit of ``total``; a figures table gives its first column
        40 % and shares the rest."""
        if self.role != "figures":
            return [defaults[min(n, len(defaults) - 1)] for n in range(len(self.header))]
        first = total * 0.4 if len(self.header) > 1 else total
        rest = (total - first) / max(len(self.header) - 1, 1)
        return [first] + [rest] * (len(self.header) - 1)


@dataclass
class Chart:
    """A result as bars: an image in the PDF, DOCX and ODT (its description the alt text)."""
    chart: BarChart
    kind: str = "chart"

    @property
    def svg(self) -> Markup:
        return bar_chart_svg(self.chart)


@dataclass
class Photo:
    """A table's photo (JPEG scaled for documents): an image in HTML, PDF, DOCX and ODT, a line in
    Markdown; ``alt`` stands for it where it cannot be seen."""
    image: bytes
    width: int
    height: int
    alt: str
    caption: str = ""
    kind: str = "photo"

    @property
    def data_uri(self) -> str:
        # Inline: the PDF renderer fetches nothing, and a saved HTML page keeps its photos.
        return "data:image/jpeg;base64," + base64.b64encode(self.image).decode("ascii")


@dataclass
class Section:
    """A group of blocks that belong together (a question, the program); HTML wraps it."""
    role: str
    blocks: list = field(default_factory=list)
    kind: str = "section"


@dataclass
class Outline:
    language: str
    title: str
    blocks: list
