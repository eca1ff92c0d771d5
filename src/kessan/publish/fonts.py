"""Japanese fonts for the PDF, from pinned PyPI packages (no system font is used):

- Noto Serif JP (明朝) for text and tables, and Noto Sans JP (ゴシック) for the contents:
  ``pylopdf-fonts-jp``;
- Noto Sans CJK JP Bold for headings, table headers and bold rows: ``noto-cjk-sans-jp-bold``
  (Noto Serif JP comes without a bold face there, and a synthesised bold is faint).

All three are under the SIL Open Font License 1.1, whose text each package carries in its
dist-info; the fonts are embedded (subset) in the PDF, which the licence allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import noto_cjk_sans_jp_bold  # pinned dependencies: a missing one fails at import, never falls back
import pylopdf_fonts_jp


@dataclass(frozen=True)
class Font:
    role: str  # body, gothic (regular), bold
    family: str
    weight: str  # Typst weight name
    path: Path


def japanese_fonts() -> dict[str, Font]:
    """role → font; a missing package is an error, never a fallback to a font without Japanese glyphs."""
    fonts = {
        "body": Font("body", "Noto Serif JP", "regular", Path(pylopdf_fonts_jp.serif_path())),
        "gothic": Font("gothic", "Noto Sans JP", "regular", Path(pylopdf_fonts_jp.sans_path())),
        "bold": Font("bold", "Noto Sans CJK JP", "bold", Path(str(noto_cjk_sans_jp_bold.FONT_PATH))),
    }
    for font in fonts.values():
        if not font.path.is_file():
            raise RuntimeError(f"font file {font.path} is missing: reinstall with scripts/setup")
    return fonts
