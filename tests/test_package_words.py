"""The package word for word, and page composition a reader accepts (issue 14).

* Per table, the PDF prints at least 98% of the source document's words of that table, in the
  source's order. The source excerpts are test data (tests/data/source_excerpts, each with its
  line range in the source). A word is a token of the source text split on whitespace, once the
  conversion's markup (markdown headings and bullets, HTML tags, table pipes) is taken off; both
  texts are compared NFKC-normalised (full-width and half-width forms alike), with the decorative
  brackets 【】 left out and whitespace ignored (a PDF line break may fall inside a word).
* No table that fits on a page is split over two (the page numbers of each table's first and
  last row, queried from the Typst layout), only a table taller than a page runs over, and its
  continuation pages say (続き); on every page rendered to an image, nothing is drawn in the
  bottom margin but the page number (no table runs off a page edge).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from contextlib import closing
from pathlib import Path

import pytest

from .conftest import EXAMPLE
from .test_publish import package, pdf, pdf_text, published  # noqa: F401  (session fixtures)

EXCERPTS = Path(__file__).parent / "data" / "source_excerpts"
MANIFEST = tomllib.loads((EXCERPTS / "excerpts.toml").read_text(encoding="utf-8"))["excerpt"]
SOURCE = EXAMPLE / "source" / "000_b8494e4f247fe3eb.txt"  # an unedited copy of the published document
THRESHOLD = 0.98


def normal(text: str) -> str:
    """NFKC, without the decorative brackets 【】, and one bullet glyph for the source's ▪ and ・."""
    return unicodedata.normalize("NFKC", text).replace("【", "").replace("】", "").replace("▪", "・")


def words(text: str) -> list[str]:
    """The words of a source excerpt, in order."""
    out: list[str] = []
    for raw in text.splitlines():
        line = re.sub(r"<[^>]+>", " ", raw)  # HTML lists of the converted source
        line = re.sub(r"^\s*(#+|-)\s+", "", line)  # markdown headings and bullets
        line = line.replace("|", " ")
        out += [w for w in normal(line).split() if w.strip("{}") and not re.fullmatch(r"-{2,}", w)]  # |--|---| rules
    return out


def part_pages(pages: list[str], titles: list[str], title: str) -> str:
    """The text of the pages whose running header names the part (the longest title that ends
    the header line wins), without the running header and the page number, each run of
    whitespace one space (it separates amounts; words are matched across it)."""
    chosen = []
    for page in pages[2:]:
        lines = page.splitlines()
        header = lines[0].strip() if lines else ""
        owner = max((t for t in titles if header.endswith(t)), key=len, default=None)
        if owner == title:
            chosen.append("\n".join(lines[1:-1]))
    return " ".join(normal("\n".join(chosen)).split())


AMOUNT = re.compile(r"(△?)(\d[\d,]*(?:\.\d+)?)(\D*)")  # an amount, with its sign and what follows (円)


def pattern(word: str, signs: bool = True) -> re.Pattern[str]:
    """How a word is found: an amount as a whole token, its sign included (20,000 is not found
    inside △20,000 nor 120,000 nor 20,0001); with ``signs`` false, an amount of either sign (the
    source's extraction dropped the △). Any other word may have a line break (a space) inside."""
    amount = AMOUNT.fullmatch(word)
    if amount is None:
        return re.compile(r"\s?".join(map(re.escape, word)))
    sign, digits, rest = amount.groups()
    sign = re.escape(sign) if signs else "△?"
    tail = r"\s?" + re.escape(rest) if rest else r"(?![\d,]|\.\d)"
    return re.compile(rf"(?<![△\d,.]){sign}{re.escape(digits)}{tail}")


def in_order(wanted: list[str], text: str, signs: bool = True) -> tuple[int, list[str]]:
    """How many of the words stand in the text in order, and the ones that do not."""
    cursor, found, missing = 0, 0, []
    for word in wanted:
        at = pattern(word, signs).search(text, cursor)
        if at is None:
            missing.append(word)
            continue
        found += 1
        cursor = at.end()
    return found, missing


@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:  # noqa: F811
    return pdf_text(pdf)


def test_the_excerpts_are_the_source_lines():
    """Each excerpt is exactly its line range of the source document."""
    source = SOURCE.read_text(encoding="utf-8").splitlines()
    for entry in MANIFEST:
        first, last = entry["lines"]
        text = (EXCERPTS / f"{entry['name']}.txt").read_text(encoding="utf-8")
        assert text == "\n".join(source[first - 1:last]) + "\n", entry["name"]


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["name"] for e in MANIFEST])
def test_pdf_prints_the_source_words_in_order(entry, pages, package):  # noqa: F811
    parts = {p.id: p for p in package.parts}
    titles = [p.title for p in package.parts]
    text = part_pages(pages, titles, parts[entry["part"]].title)
    assert text, f"no page of part {entry['part']}"
    wanted = words((EXCERPTS / f"{entry['name']}.txt").read_text(encoding="utf-8"))
    if entry.get("zeros") is False:  # the source's extraction invented empty columns of 0 (see excerpts.toml)
        wanted = [w for w in wanted if w != "0"]
    found, missing = in_order(wanted, text, signs=entry.get("signs", True))
    ratio = found / len(wanted)
    assert ratio >= THRESHOLD, f"{entry['name']}: {found}/{len(wanted)} words in order ({ratio:.1%}); missing: {missing[:20]}"


def test_only_excerpts_without_any_sign_compare_amounts_unsigned():
    """signs = false is data about the extraction, not a way round a test: such an excerpt holds
    no △ at all, and every excerpt with △ in it compares amounts with their sign."""
    unsigned = [e for e in MANIFEST if e.get("signs") is False]
    assert unsigned and len(unsigned) < len(MANIFEST)
    for entry in MANIFEST:
        text = (EXCERPTS / f"{entry['name']}.txt").read_text(encoding="utf-8")
        assert entry.get("signs", True) or "△" not in text, entry["name"]
    assert any("△" in (EXCERPTS / f"{e['name']}.txt").read_text(encoding="utf-8") for e in MANIFEST)


def test_the_trend_prints_its_tag_and_title(pages, package):  # noqa: F811
    """The 推移's heading and its 参考資料 tag (the source's extraction reads the tag, at the top
    right of its page, after the heading; the excerpt starts below both)."""
    text = part_pages(pages, [p.title for p in package.parts], next(p.title for p in package.parts if p.id == "trend"))
    assert all(pattern(normal(phrase)).search(text) for phrase in ("参考資料1-1", "事業別決算額の推移(損益計算書費用ベース)"))


def test_the_word_test_fails_on_a_missing_or_reordered_word():
    """The measure itself: a dropped word and a swapped pair each count as missing."""
    assert in_order(["a", "bb", "c"], "abbc") == (3, [])
    assert in_order(["a", "bb", "c"], "ac") == (2, ["bb"])
    assert in_order(["bb", "a"], "abb")[0] == 1
    assert in_order(["事業費"], "事業 費") == (1, [])  # a line break inside a label


def test_amounts_are_whole_tokens_with_their_sign():
    """20,000 is not found inside △20,000, 120,000 or 1,234 20,0001; with signs=False (an excerpt
    whose extraction dropped every △) an amount of either sign is, but still only as a token."""
    assert in_order(["20,000"], "差額 △20,000") == (0, ["20,000"])
    assert in_order(["△20,000"], "差額 20,000")[0] == 0
    assert in_order(["20,000"], "差額 120,000 20,0001 20,000.5")[0] == 0
    assert in_order(["20,000", "5"], "差額 20,000 5")[0] == 2
    assert in_order(["689,464,876円"], "689,464,876 円")[0] == 1 and in_order(["689,464,876円"], "689,464,8761 円")[0] == 0
    assert in_order(["20,000"], "差額 △20,000", signs=False)[0] == 1
    assert in_order(["20,000"], "差額 120,000", signs=False)[0] == 0
    assert words("- 1 事業費\n## 【有形固定資産等明細書】\n<li>▪ 資産</li> | } |\n|--|---|") == [
        "1", "事業費", "有形固定資産等明細書", "・", "資産"]


# -- page composition


@pytest.fixture(scope="module")
def markers(package, tmp_path_factory):  # noqa: F811
    from kessan.publish.pdf import layout_markers

    root = tmp_path_factory.mktemp("markers")
    laid = {m["id"]: m for m in layout_markers(package, root, "kessan-table")}
    tops = {m["id"]: m["page"] for m in layout_markers(package, root, "kessan-table-top")}
    ends = {m["id"]: m["page"] for m in layout_markers(package, root, "kessan-table-end")}
    return laid, tops, ends


def _points(length: str) -> float:
    assert length.endswith("pt"), length
    return float(length[:-2])


def test_a_table_that_fits_a_page_is_never_split(package, markers):  # noqa: F811
    laid, tops, ends = markers
    assert set(laid) == {t.id for t in package.tables}
    for table_id, how in laid.items():
        if how["breakable"]:  # it may run over pages only because no density fits it on one
            assert _points(how["height"]) > _points(how["room"]), table_id
        else:
            assert tops[table_id] == ends[table_id], f"{table_id} is split over pages {tops[table_id]}-{ends[table_id]}"
    assert laid["bs"]["breakable"] is False and tops["bs"] == 3  # the 貸借対照表 on one page, under its headings


def test_a_table_taller_than_a_page_repeats_its_title_with_continued(package, tmp_path):  # noqa: F811
    """A table that no density fits on one page runs over: each continuation page repeats its
    title with (続き) and its column headers; the first page does not say (続き)."""
    import copy

    from kessan.publish.pdf import write_pdf
    from kessan.report.model import Row

    pkg = copy.deepcopy(package)
    for section in pkg.sections:
        section.parts = [p for p in section.parts if p.id == "budget_segments"]
    pkg.sections = [s for s in pkg.sections if s.parts]
    part = pkg.sections[0].parts[0]
    table = part.tables[0]
    part.tables = [table]
    row = table.rows[3]
    table.rows = table.rows + [Row(f"{row.label}{n}", row.key, row.indent, row.bold, row.cells) for n in range(90)]
    pages = pdf_text(write_pdf(pkg, tmp_path / "long.pdf"))[2:]
    assert len(pages) >= 2
    continued = f"{table.title} (続き)"
    assert continued not in pages[0].replace("\n", " ")
    for page in pages[1:]:
        assert continued in page.replace("\n", " ") and "予算額" in page


def test_no_table_runs_off_a_page(pdf):  # noqa: F811
    """Every page rendered: below the body, in the bottom margin, only the page number has ink."""
    import pypdfium2 as pdfium

    scale = 50 / 72  # 50 dpi
    with closing(pdfium.PdfDocument(pdf)) as document:
        for n in range(len(document)):
            with closing(document[n]) as page:
                width, height = page.get_size()
                image = page.render(scale=scale).to_pil().convert("L")
            landscape = width > height
            bottom_margin = (13 if landscape else 16) / 25.4 * 72 * scale  # templates/package.typ part-page
            band = image.crop((0, int(image.height - bottom_margin) + 1, image.width, image.height))
            inked = band.point(lambda v: 255 if v < 128 else 0).getbbox()  # the box of the dark pixels, or None
            if inked is not None:
                left, _, right, _ = inked
                assert left > band.width * 0.4 and right < band.width * 0.6, \
                    f"page {n + 1}: ink in the bottom margin outside the page number"
