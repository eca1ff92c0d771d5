"""A second organisation (tests/books/kita): its own account codes (K100…), segments (上水道事業,
下水道事業), statement and line ids (tai, son, shikin), cash-flow lines and registers (a fixed
asset, a finance lease, a bonus provision, an ARO), no budget. Run through load → close →
report → check → figures → publish on each database, its figures checked against amounts
worked out by hand below, never by kessan (issue 11, item 7)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kessan.cli import app

KITA = Path(__file__).resolve().parent / "books" / "kita"
runner = CliRunner()

# By hand, fiscal year 2024 (2024-04-01 … 2025-03-31):
# registers → closing entries
#   M1 浄水ポンプ (north): 定額法 5 years, rate 0.200: 6,000,000 × 0.200 = 1,200,000 (累計 1,200,000 → 2,400,000)
#   L1 リース資産 (south): リース期間定額法, 600,000 × 12 / 60 months = 120,000
#   L1 リース債務 (south): 利子込み法, 600,000 / 60 = 10,000 a month; 12 paid in the journal (120,000);
#      due within a year after 2025-03-31: 12 × 10,000 = 120,000 moved from 長期 to 短期
#   P1 賞与引当金 (north): 600,000 × 4 months (Dec–Mar) / 6 months (Dec–May) = 400,000
#   O1 資産除去債務 (north): 1,000,000 × 0.02 = 20,000
# 損益計算書
#   north: 料金 5,000,000 − (給与 3,000,000 + 賞与引当 400,000 + 償却 1,200,000 + 調整額 20,000) = 380,000
#   south: 料金 2,000,000 − (給与 1,000,000 + 償却 120,000) = 880,000
PL = {
    "料金収入": 5_000_000 + 2_000_000,                      # 7,000,000
    "職員給与費": 3_000_000 + 400_000 + 1_000_000,          # 4,400,000
    "減価償却費": 1_200_000 + 120_000,                      # 1,320,000
    "資産除去債務調整額": 20_000,
    "費用合計": 4_400_000 + 1_320_000 + 20_000,             # 5,740,000
    "当期純利益": 7_000_000 - 5_740_000,                    # 1,260,000 = 380,000 + 880,000
}
# 貸借対照表 at 2025-03-31
#   現金 north 8,000,000 + 5,000,000 − 3,000,000 = 10,000,000; south 3,000,000 + 2,000,000 − 1,000,000 − 120,000
#   = 3,880,000
BS = {
    "現金預金": 10_000_000 + 3_880_000,                               # 13,880,000
    "機械装置 (減価償却累計額控除後)": 6_000_000 - 2_400_000,         # 3,600,000
    "リース資産 (減価償却累計額控除後)": 600_000 - 120_000,           # 480,000
    "資産合計": 13_880_000 + 3_600_000 + 480_000,                     # 17,960,000
    "短期リース債務": 120_000,
    "賞与引当金": 400_000,
    "長期リース債務": 600_000 - 120_000 - 120_000,                    # 360,000
    "資産除去債務": 1_000_000 + 20_000,                               # 1,020,000
    "負債合計": 120_000 + 400_000 + 360_000 + 1_020_000,              # 1,900,000
    "出資金": 10_000_000 + 3_000_000,                                 # 13,000,000
    "利益剰余金": 1_800_000 + 1_260_000,                              # 3,060,000
    "純資産合計": 13_000_000 + 3_060_000,                             # 16,060,000
    "負債純資産合計": 1_900_000 + 16_060_000,                         # 17,960,000
}
BS_SEGMENTS = {  # (line, segment column): 資産合計 and 利益剰余金 by segment
    ("資産合計", "上水道事業"): 10_000_000 + 3_600_000,              # 13,600,000
    ("資産合計", "下水道事業"): 3_880_000 + 480_000,                 # 4,360,000
    ("利益剰余金", "上水道事業"): 1_800_000 + 380_000,               # 2,180,000
    ("利益剰余金", "下水道事業"): 880_000,
}
CF = {
    "料金収入": 7_000_000,
    "職員給与の支払額": -(3_000_000 + 1_000_000),                     # −4,000,000 (the 賞与引当金 is not paid yet)
    "リース債務の返済による支出": -120_000,
    "資金増加額": 7_000_000 - 4_000_000 - 120_000,                    # 2,880,000
    "資金期首残高": 8_000_000 + 3_000_000,                            # 11,000,000
    "資金期末残高": 11_000_000 + 2_880_000,                           # 13,880,000 = 現金預金 of the 貸借対照表
}
NA = {"当期首残高": 13_000_000 + 1_800_000, "当期純利益": 1_260_000, "当期末残高": 14_800_000 + 1_260_000}


def _figures(output: str) -> dict[tuple[str, str, str], int]:
    return {(r["table"], r["line"], r["column"]): int(r["value"]) for r in csv.DictReader(io.StringIO(output))}


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_second_book_from_load_to_publish(db_url, tmp_path):
    _ok(["load", str(KITA), "--db", db_url])
    _ok(["close", str(KITA), "--db", db_url, "--year", "2024"])
    report = _ok(["report", "--db", db_url])
    assert "上水道事業" in report and "17,960,000" in report
    checks = runner.invoke(app, ["check", str(KITA), "--db", db_url, "--strict"])
    assert checks.exit_code == 0, checks.output
    assert "0 failed" in checks.output and "SKIP" not in checks.output
    figures = _figures(_ok(["figures", "--db", db_url]))
    assert {line: figures[("貸借対照表", line, "金額")] for line in BS} == BS
    assert {line: figures[("損益計算書", line, "金額")] for line in PL} == PL
    assert {line: figures[("キャッシュ・フロー計算書", line, "金額")] for line in CF} == CF
    assert {line: figures[("純資産変動計算書", line, "金額")] for line in NA} == NA
    assert {key: figures[("セグメント別貸借対照表", *key)] for key in BS_SEGMENTS} == BS_SEGMENTS
    out = tmp_path / "out"
    _ok(["publish", "--db", db_url, "--spec", str(KITA / "publish.toml"), "--out", str(out), "--format", "xlsx,html"])
    assert (out / "kita-2024.xlsx").is_file()
    assert any(p.suffix == ".html" for p in out.rglob("*"))


def test_the_directory_alone_gives_the_same_figures(db_url):
    """``figures BOOK_DIR`` closes in memory: the same hand-computed figures."""
    figures = _figures(_ok(["figures", str(KITA)]))
    assert figures[("貸借対照表", "資産合計", "金額")] == 17_960_000
    assert figures[("損益計算書", "当期純利益", "金額")] == 1_260_000


@pytest.mark.parametrize("code", ["1110", "3210", "4220", "2160", "2270", "5910", "2120"])
def test_the_second_book_shares_no_code_with_the_example(code):
    for path in KITA.rglob("*"):
        if path.is_file():
            assert code not in path.read_text(encoding="utf-8"), path
