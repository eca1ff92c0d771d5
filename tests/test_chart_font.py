"""The chart in the PDF: its SVG names the PDF's gothic (Noto Sans JP, a font Typst is given),
so the chart's text is set in that font, embedded and searchable, never a fallback."""

from __future__ import annotations

import ctypes
import re
from contextlib import closing

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from kessan.publish.fonts import japanese_fonts
from kessan.render.chart import register_font, save_chart, trend_figure

from .test_publish import package, pdf, published  # noqa: F401  (session fixtures)


def _font_at(text_page, index: int) -> str:
    name = ctypes.create_string_buffer(256)
    pdfium_raw.FPDFText_GetFontInfo(text_page, index, name, 256, ctypes.byref(ctypes.c_int()))
    return name.value.decode()


def test_the_svg_names_the_pdf_gothic(package, tmp_path):  # noqa: F811
    family = register_font(japanese_fonts()["gothic"].path)
    chart = next(p.chart for p in package.parts if p.chart is not None)
    svg = save_chart(trend_figure(chart, family), tmp_path / "trend.svg", family).read_text(encoding="utf-8")
    families = re.findall(r"font-family: ([^;\"]+)", svg)
    assert family == "Noto Sans JP" and "<text" in svg and families
    assert all(f.startswith(f"'{family}'") for f in families), set(families)  # first choice; IPAex only as a fallback


def test_the_chart_text_in_the_pdf_is_the_gothic(pdf, package):  # noqa: F811
    chart = next(p.chart for p in package.parts if p.chart is not None)
    axis_x = chart.axes.x  # printed only by the chart (決算年度)
    assert axis_x
    with closing(pdfium.PdfDocument(pdf)) as document:
        found = []
        for page in document:
            with closing(page), closing(page.get_textpage()) as text:
                at = text.get_text_range().find(axis_x)
                if at >= 0:
                    found.append({_font_at(text, at + k) for k in range(len(axis_x))})
    assert found, f"{axis_x} is not searchable in the PDF"
    assert all(name.endswith("+NotoSansJP-Regular") for fonts in found for name in fonts), found
