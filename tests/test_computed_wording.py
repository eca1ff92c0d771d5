"""Wording computed, not typed: the 概要's rounding note from the statement's own unit and
rounding, the ARO note's range of 割引率 from the ARO register."""

from __future__ import annotations

from typer.testing import CliRunner

from kessan import app as kessan
from kessan.cli import app
from kessan.report.build import step_text

runner = CliRunner()
NOTE = "(注) 金額は、科目ごとに10万円単位を四捨五入しているため、合計額が一致しない場合がある。(以下同じ。)"


def test_step_text():
    assert [step_text(y) for y in (100_000, 100, 10_000_000, 1)] == ["10万円", "100円", "1,000万円", "1円"]


def test_the_rounding_note_follows_the_layout(example_dir):
    with kessan.open_book(example_dir) as book:
        assert NOTE in book.report().table("summary_bs").after
    path = example_dir / "layouts" / "80_summary_bs.toml"
    text = path.read_text(encoding="utf-8")
    assert 'unit = "百万円"' in text and 'rounding = "half_up"' in text
    path.write_text(text.replace('unit = "百万円"', 'unit = "千円"').replace('rounding = "half_up"', 'rounding = "truncate"'),
                    encoding="utf-8")
    with kessan.open_book(example_dir) as book:
        after = book.report().table("summary_bs").after
    assert "(注) 金額は、科目ごとに100円単位を切り捨てしているため、合計額が一致しない場合がある。(以下同じ。)" in after


def test_the_rounding_words_need_a_rounding(example_dir):
    path = example_dir / "layouts" / "103_note_disposal_losses.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('before = """', 'before = """${rounding_step}', 1),
                    encoding="utf-8")
    result = runner.invoke(app, ["report", str(example_dir)])
    assert result.exit_code == 2 and "layouts/103_note_disposal_losses.toml" in result.output
    assert "${rounding_step}" in result.output and "Traceback" not in result.output


def test_the_aro_rates_come_from_the_register(example_dir):
    with kessan.open_book(example_dir) as book:
        assert any("0.77%～1.7%" in line for line in book.report().table("note_2280").before)
    register = example_dir / "subledgers" / "aro.csv"
    rows = register.read_text(encoding="utf-8").splitlines()
    # every outstanding obligation at 1.5 % (the settled one keeps its 0.77 %: it is not on the balance sheet)
    changed = [",".join(f if n != 6 or r.split(",")[10] else "0.015" for n, f in enumerate(r.split(",")))
               for r in rows[1:]]
    register.write_text("\n".join([rows[0], *changed]) + "\n", encoding="utf-8")
    with kessan.open_book(example_dir) as book:
        before = book.report().table("note_2280").before
    assert any("1.5%～1.5%" in line for line in before), before
