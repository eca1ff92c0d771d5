"""The package as one PDF (WeasyPrint on the HTML document with print CSS).

Japanese fonts are embedded from font files (publish.fonts); a missing font is an error,
never a silent fallback.
"""

from __future__ import annotations

from pathlib import Path

from .fonts import font_css, japanese_fonts
from .html import render_document
from .model import Package


def write_pdf(package: Package, path: Path) -> Path:
    try:
        import weasyprint
    except OSError as exc:  # Pango missing: WeasyPrint loads it when imported
        raise RuntimeError(f"WeasyPrint cannot load Pango ({exc}); run scripts/setup, which installs "
                           "libpango-1.0-0 and libpangoft2-1.0-0") from exc
    document = render_document(package, font_css(japanese_fonts()))
    path.parent.mkdir(parents=True, exist_ok=True)
    html = weasyprint.HTML(string=document, base_url=str(path.parent))
    html.write_pdf(str(path))
    return path
