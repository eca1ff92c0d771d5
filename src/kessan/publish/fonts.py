"""Japanese fonts for the PDF: font files embedded by WeasyPrint through @font-face.

System fonts installed by scripts/setup (Debian fonts-ipaexfont) are found with fontconfig;
Noto CJK is the second choice, and the IPAexGothic file that the pinned matplotlib-fontja
package ships is the last resort, so a PDF never falls back to a font without Japanese glyphs.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# role → fontconfig family names, best first
FAMILIES = {
    "mincho": ("IPAexMincho", "Noto Serif CJK JP", "IPAexGothic", "Noto Sans CJK JP"),
    "gothic": ("IPAexGothic", "Noto Sans CJK JP"),
}


@dataclass(frozen=True)
class Font:
    role: str  # mincho (body text and tables) or gothic (headings)
    family: str
    path: Path

    def face(self) -> str:
        return f'@font-face {{ font-family: "{self.family}"; src: url("{self.path.as_uri()}"); }}'


def font_css(fonts: dict[str, Font]) -> str:
    """@font-face rules for the font files, and which elements use which font."""
    faces = {f.face() for f in fonts.values()}
    return "\n".join([*sorted(faces),
                      f'html {{ font-family: "{fonts["mincho"].family}"; }}',
                      f'h1, h2, caption, thead th, nav.toc {{ font-family: "{fonts["gothic"].family}"; }}'])


def fc_file(family: str) -> Path | None:
    """The file of a font family known to fontconfig, or None."""
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(["fc-list", "-f", "%{file}\n", family], capture_output=True, text=True, check=False).stdout
    files = sorted(Path(line) for line in out.splitlines() if line.strip())
    return files[0] if files else None


def bundled_gothic() -> Path | None:
    try:
        import matplotlib_fontja
    except ImportError:  # pragma: no cover - a pinned dependency
        return None
    path = Path(matplotlib_fontja.__file__).parent / "fonts" / "ipaexg.ttf"
    return path if path.exists() else None


def japanese_fonts() -> dict[str, Font]:
    fonts = {}
    for role, families in FAMILIES.items():
        for family in families:
            if (path := fc_file(family)) is not None:
                fonts[role] = Font(role, family, path)
                break
        else:
            if (path := bundled_gothic()) is None:
                raise RuntimeError("no Japanese font found: install fonts-ipaexfont (scripts/setup does)")
            fonts[role] = Font(role, "IPAexGothic", path)
    return fonts
