"""The audit report as PDF, rendered with fpdf2 from the same parts as its HTML, in Chinese
with a CJK font embedded (subset): Noto Sans CJK SC from Debian's fonts-noto-cjk (ADR 0701).
The bytes are reproducible for one draft (the creation date is the draft's), so the PDF's
SHA-256 can be signed beside the HTML's."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from zeren.errors import Conflict

# Debian's fonts-noto-cjk (installed by `make browser`); index 2 of the collection is
# Simplified Chinese (SC).
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)
FONT = "NotoCJK"


def font_file() -> tuple[str, int]:
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise Conflict("no CJK font to embed in the PDF: install Debian's fonts-noto-cjk "
                   "(`make browser` does)", details={"looked_in": [p for p, _ in FONT_CANDIDATES]})


@dataclass(frozen=True)
class Svg:
    """A chart (SVG text) as a section body: embedded as vectors."""

    text: str
    width_mm: float = 170


class _Doc(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 8, f"{self.page_no()} / {{nb}}", align="C")


def render(*, title: str, meta: Sequence[str], sections: Sequence[tuple[str, object]],
           created_at: datetime) -> bytes:
    """A document of headed sections; a section body is a paragraph string, a chart
    (:class:`Svg`) or a list of charts, or a table (a list of rows, the first one the heading
    row)."""
    path, index = font_file()
    pdf = _Doc(format="A4")
    pdf.set_creation_date(created_at)
    pdf.set_title(title)
    pdf.add_font(FONT, fname=path, collection_font_number=index)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for line in meta:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    for heading, body in sections:
        pdf.ln(4)
        pdf.set_font(FONT, size=13)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=10)
        if isinstance(body, Svg):
            pdf.image(io.BytesIO(body.text.encode()), w=body.width_mm)
        elif isinstance(body, list) and body and all(isinstance(b, Svg) for b in body):
            for chart in body:
                pdf.image(io.BytesIO(chart.text.encode()), w=chart.width_mm)
        elif isinstance(body, str):
            for para in (p for p in body.split("\n") if p.strip()):
                pdf.multi_cell(0, 6, para, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
        else:
            rows = list(body)  # type: ignore[call-overload]
            with pdf.table(headings_style=FontFace(emphasis=None, fill_color=(235, 235, 235)),
                           line_height=6, text_align="LEFT") as t:
                for row in rows:
                    r = t.row()
                    for cell in row:
                        r.cell(str(cell))
    return bytes(pdf.output())
