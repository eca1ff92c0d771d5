#!/usr/bin/env python3
"""Derive the 令和2年度 budget (予算) of 地方公共団体情報システム機構 (J-LIS).

Writes ../budget/revisions.toml, ../budget/2020-final.csv and ../budget/notes.toml
(docs/budget-format.md) such that an engine reproduces the published 令和2年度決算報告書
(予算額 / 決算額 / 差額) and 参考資料1-2「令和2年度決算の概要」 (予算 / 決算 / 差引, 百万円).

Python 3.11, standard library only, deterministic.  The script does NOT read ../published/:
every published figure it uses is typed below as a named constant, with the table and the
line of the source text (配付資料「令和2年度決算」, Markdown conversion, 2,874 lines) it comes
from.  It reads ../accounts.toml, ../layouts/60_settlement_bs.toml, ../layouts/70_settlement_pl.toml,
../opening.csv and ../journal.csv to compute the 決算 (actual) yen figures by segment.

What is published and what is derived
  * 法人全体 (whole organisation): every 予算額 of the 決算報告書 is published in yen; the leaf
    lines are written as published, the subtotals follow from the layout formulas (checked
    here against every published subtotal).
  * Segments (事業): only the 概要 tables are published, in 百万円 rounded half-up (四捨五入)
    per line, with 差引 rounded from the yen difference.  The segment budgets in yen are
    therefore DERIVED, at summary level (流動資産合計, 固定資産合計, 流動負債合計, 固定負債合計,
    純資産合計; 営業収益, 営業費用, 営業外収益, 営業外費用, 特別利益, 特別損失, 法人住民税), as the
    integer solution (in whole 千円) of the constraints listed in ../README.md "Budget (予算)":
    for every segment and 概要 line, 四捨五入(予算) = published 予算 and 四捨五入(決算 − 予算) =
    published 差引; the segment budget balance sheet balances; and the 8 segments sum to the
    法人全体 budget of each summary line.  Among the solutions the script takes the one
    nearest (weighted Σ |budget − target| in 千円, a min-cost network flow, see solve()) to
    targets estimated from the 法人全体 予算額 of the account lines split by the segments'
    決算 shares, or the middle of the feasible interval where that estimate is infeasible.

Run:  python3 examples/jlis-fy2020/derivation/budget.py
"""
from __future__ import annotations

import csv
import io
import os
import sys
import tomllib
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
BOOK = os.path.dirname(HERE)
OUT = os.path.join(BOOK, 'budget')

SEGS = ['general', 'residents', 'jpki', 'card', 'middle', 'lgwan', 'residents_related', 'digital']
SEG_NAMES = ['一般事業', '本人確認情報処理事業', '公的個人認証サービス事業', '個人番号カード発行等事業',
             '中間サーバー共同化・集約化等事業', '総合行政ネットワーク運営事業', '本人確認情報処理事業関連事業',
             'デジタル基盤改革支援基金事業']

# ---------------------------------------------------------------------------------------------
# The revision (第3表 令和2年度の代表者会議の開催状況, source lines 231-240)
# ---------------------------------------------------------------------------------------------
# 第35回 令和2年6月26日: 令和2年度6月補正予算; 第36回 令和3年2月3日: 令和2年度2月補正予算;
# 第37回 令和3年3月12日: 令和2年度3月補正予算.  The 決算報告書 予算額 is the final budget, i.e. after
# the 3月補正.  The amounts of the 当初予算 and of the 6月/2月補正 are not published: not recorded.
REVISION = {
    'code': '2020-march',
    'year': 2020,
    'name': '令和2年度3月補正予算',
    'approved': '2021-03-12',
    'body': '代表者会議',
    'file': '2020-final.csv',
}

# ---------------------------------------------------------------------------------------------
# 決算報告書 貸借対照表 (source lines 2394-2465: table 2406-2459, notes 2461-2465), 予算額, yen.
# Keys: line ids of layouts/60_settlement_bs.toml.  Leaf lines (written to the CSV) ...
# ---------------------------------------------------------------------------------------------
BUDGET_BS = {
    'cash': 219052460000,                # 現金及び預金
    'receivables': 49852447000,          # 未収金 (注1、2)
    'prepaid': 0,                        # 前払金
    'supplies': 22000,                   # 貯蔵品
    'buildings': 2668134000,             # 建物
    'equipment': 433932000,              # 備品
    'cip': 1006365000,                   # 建設仮勘定
    'lease_tangible': 19751779000,       # 有形 リース資産 (注3)
    'telephone': 3042000,                # 電話加入権
    'software': 81645000,                # ソフトウェア
    'lease_intangible': 409283000,       # 無形 リース資産
    'securities': 100000000,             # 投資有価証券
    'deposits': 982390000,               # 保証金
    'payables': 82376650000,             # 未払金 (注1、2)
    'resident_tax': 70000,               # 未払法人住民税等
    'deposits_received': 14919000,       # 預り金
    'bonus': 136668000,                  # 賞与引当金
    'officer_bonus': 8554000,            # 役員賞与引当金
    'lease_current': 4068615000,         # 流動 リース債務 (注3)
    'deferred_revenue': 177524994000,    # 長期前受金
    'deferred_income': 3678764000,       # 長期前受収益
    'retirement': 723787000,             # 退職給付引当金
    'officer_retirement': 0,             # 役員退職引当金
    'reserve_juki': 2312921000,          # 住基ネット再構築平準化等積立金
    'reserve_code': 1327485000,          # 符号生成運用経費積立金
    'reserve_security': 1142000000,      # セキュリティ強化等積立金
    'reserve_next': 380000000,           # 次期システム更改積立金
    'lease_noncurrent': 16028364000,     # 固定 リース債務 (注3)
    'aro': 438781000,                    # 資産除去債務
    'capital': 134000000,                # 地方公共団体出資金
    'reserve': 3032830000,               # 積立金
    'jpki_reserve': 942097000,           # 公的個人認証サービス事業 財政調整積立金
    'dev_reserve': 70000000,             # システム開発積立金
}
# ... and the printed subtotals (checked against the layout formulas, not written).
BUDGET_BS_TOTALS = {
    'current_assets': 268904929000,      # 流動資産合計
    'tangible': 23860210000,             # 有形固定資産合計
    'intangible': 493970000,             # 無形固定資産合計
    'investments': 1082390000,           # 投資その他の資産合計
    'fixed_assets': 25436570000,         # 固定資産合計
    'total_assets': 294341499000,        # 資産合計
    'current_liabilities': 86605476000,  # 流動負債合計
    'noncurrent_liabilities': 203557096000,  # 固定負債合計
    'total_liabilities': 290162572000,   # 負債合計
    'retained': 4044927000,              # 利益剰余金合計
    'total_net_assets': 4178927000,      # 純資産合計
    'total_liabilities_net_assets': 294341499000,  # 負債純資産合計
}

# 決算報告書 損益計算書 (source lines 2469-2524: table 2477-2520, notes 2522-2524), 予算額, yen;
# keys: line ids of layouts/70_settlement_pl.toml.
BUDGET_PL = {
    'rev_jigyo_futankin': 301752000,     # 事業負担金収入
    'rev_card_grant': 54577815000,       # 個人番号カード等関連交付金
    'rev_middle_grant': 11883048000,     # 自治体中間サーバー関連交付金
    'rev_local_futankin': 3492195000,    # 地方公共団体負担金収入
    'rev_futankin': 651434000,           # 負担金収入
    'rev_jigyo': 11252407000,            # 事業収入
    'rev_info': 6453890000,              # 情報提供手数料
    'rev_code': 150000000,               # 符号生成住民票コード提供手数料
    'rev_issue': 1000000,                # 発行手数料
    'rev_disclosure': 1000,              # 情報開示手数料
    'rev_subsidy': 304000000,            # 補助金等収入
    'rev_deferred': 4148875000,          # 長期前受金取崩収入 (注1)
    'rev_juki_reserve': 4103268000,      # 住基ネット再構築平準化等積立金取崩収入 (注2)
    'rev_code_reserve': 140000000,       # 符号生成運用経費積立金取崩収入
    'project_costs': 93668358000,        # 事業費 (注1、2)
    'admin_costs': 822306000,            # 一般管理費
    'interest': 250000,                  # 受取利息
    'bond_interest': 20000,              # 有価証券利息
    'housing': 0,                        # 借上住宅使用料
    'ic_card': 0,                        # 動作確認ICカード作成料
    'tax_refund': 0,                     # 消費税還付金
    'misc': 2160000,                     # 雑収入
    'interest_expense': 142535000,       # 支払利息
    'gain_on_sale': 0,                   # 固定資産売却益
    'loss_on_disposal': 21877000,        # 固定資産除却損
    'juki_provision': 2868537000,        # 住基ネット再構築平準化等積立金繰入額
    'security_provision': 200000000,     # セキュリティ強化等積立金繰入額
    'next_provision': 200000000,         # 次期システム更改積立金繰入額
    'resident_tax': 70000,               # 法人住民税
}
BUDGET_PL_TOTALS = {
    'operating_revenue': 97459685000,    # 営業収益合計
    'operating_expenses': 94490664000,   # 営業費用合計
    'operating_income': 2969021000,      # 営業利益
    'nonop_revenue': 2430000,            # 営業外収益合計
    'nonop_expenses': 142535000,         # 営業外費用合計
    'ordinary_income': 2828916000,       # 経常利益
    'extraordinary_gains': 0,            # 特別利益合計
    'extraordinary_losses': 3290414000,  # 特別損失合計
    # printed without △ in the OCR; negative by the footing of the profit lines and by the
    # 概要 当期純利益 予算 △462 (published/BUDGET_README.md §3)
    'pretax_income': -461498000,         # 税金等調整前当期純利益 (printed 461,498,000)
    'net_income': -461568000,            # 当期純利益 (printed 461,568,000)
}

# ---------------------------------------------------------------------------------------------
# 参考資料1-2 令和2年度決算の概要 (source lines 2552-2875), 百万円, △ → negative:
# (予算, 決算, 差引) per 概要 line; 法人全体 and the 8 事業 (■事業別決算の状況■, l.2633 ff.).
# ---------------------------------------------------------------------------------------------
BS_LINES = ['assets', 'current_assets', 'fixed_assets', 'liabilities', 'current_liabilities',
            'noncurrent_liabilities', 'net_assets']                  # 資産 流動資産 固定資産 負債 流動負債 固定負債 純資産
PL_LINES = ['operating_revenue', 'operating_expenses', 'operating_income', 'nonop_revenue',
            'nonop_expenses', 'ordinary_income', 'extraordinary_gains', 'extraordinary_losses',
            'net_income']                                            # 営業収益 … 当期純利益
SUMMARY_LABEL = {'assets': '資産', 'current_assets': '流動資産', 'fixed_assets': '固定資産', 'liabilities': '負債',
                 'current_liabilities': '流動負債', 'noncurrent_liabilities': '固定負債', 'net_assets': '純資産',
                 'operating_revenue': '営業収益', 'operating_expenses': '営業費用', 'operating_income': '営業利益',
                 'nonop_revenue': '営業外収益', 'nonop_expenses': '営業外費用', 'ordinary_income': '経常利益',
                 'extraordinary_gains': '特別利益', 'extraordinary_losses': '特別損失', 'net_income': '当期純利益'}
# 1 貸借対照表 (l.2561-2567) and 2 損益計算書 (l.2583-2591), 法人全体
SUMMARY_ALL_BS = [(294341, 271189, -23152), (268905, 265302, -3603), (25437, 5887, -19550),
                  (290163, 263958, -26205), (86605, 68536, -18070), (203557, 195423, -8135),
                  (4179, 7231, 3052)]
SUMMARY_ALL_PL = [(97460, 90292, -7168), (94491, 86382, -8108), (2969, 3910, 941), (2, 20, 17),
                  (143, 69, -74), (2829, 3860, 1031), (0, 0, 0), (3290, 3300, 9), (-462, 561, 1022)]
# 事業別: (予算, 決算, 差引) in BS_LINES / PL_LINES order
SUMMARY_SEG_BS = {
    'general': [(7627, 9004, 1377), (6322, 7851, 1529), (1305, 1153, -152), (5467, 5286, -181),
                (4635, 4596, -39), (832, 690, -142), (2160, 3718, 1558)],                       # l.2642-2648
    'residents': [(14166, 17207, 3041), (11169, 15430, 4260), (2997, 1777, -1220), (14068, 16931, 2862),
                  (7211, 5621, -1589), (6858, 11309, 4452), (97, 276, 178)],                    # l.2672-2678
    'jpki': [(37676, 9834, -27842), (19923, 8861, -11062), (17752, 972, -16780), (36486, 7902, -28584),
             (19129, 5302, -13828), (17357, 2600, -14756), (1190, 1932, 742)],                  # l.2702-2708
    'card': [(45271, 41271, -4000), (43111, 40593, -2517), (2160, 677, -1483), (45043, 41013, -4030),
             (43455, 40752, -2703), (1589, 262, -1327), (228, 257, 30)],                        # l.2734-2740
    'middle': [(11548, 11744, 196), (11456, 11633, 177), (92, 111, 19), (11538, 11328, -210),
               (11440, 11218, -222), (98, 110, 12), (10, 416, 406)],                            # l.2764-2770
    'lgwan': [(1755, 2037, 281), (1471, 1705, 234), (284, 331, 47), (1444, 1624, 180),
              (449, 603, 154), (995, 1021, 25), (311, 412, 102)],                               # l.2794-2800
    'residents_related': [(1099, 1307, 208), (253, 442, 189), (847, 865, 19), (916, 1088, 172),
                          (286, 444, 158), (629, 644, 14), (184, 219, 36)],                     # l.2824-2830
    'digital': [(175200, 178788, 3589), (175200, 178788, 3589), (0, 0, 0), (175200, 178788, 3589),
                (0, 1, 1), (175200, 178787, 3588), (0, 0, 0)],                                  # l.2854-2860
}
SUMMARY_SEG_PL = {
    'general': [(6878, 6330, -548), (7321, 6538, -783), (-443, -208, 235), (1, 2, 1), (7, 7, 0),
                (-450, -213, 236), (0, 0, 0), (3, 12, 9), (-452, -225, 227)],                   # l.2655-2663
    'residents': [(15275, 11747, -3527), (12297, 8842, -3455), (2978, 2906, -72), (0, 1, 1), (8, 8, 0),
                  (2970, 2898, -71), (0, 0, 0), (2870, 2871, 0), (99, 28, -71)],                # l.2685-2693
    'jpki': [(7473, 8083, 610), (7159, 7475, 316), (314, 608, 295), (0, 15, 15), (101, 28, -73),
             (213, 596, 383), (0, 0, 0), (202, 202, 0), (11, 394, 383)],                        # l.2715-2723
    'card': [(48260, 48147, -113), (48356, 48220, -136), (-96, -73, 23), (0, 0, 0), (18, 16, -2),
             (-113, -88, 25), (0, 0, 0), (14, 12, -2), (-127, -100, 27)],                       # l.2747-2755
    'middle': [(11883, 11905, 22), (11883, 11666, -217), (0, 239, 239), (0, 1, 1), (0, 0, 0),
               (0, 239, 240), (0, 0, 0), (1, 1, 0), (-2, 238, 240)],                            # l.2777-2785
    'lgwan': [(1986, 1990, 4), (1774, 1586, -188), (212, 405, 192), (0, 0, 0), (1, 1, 0),
              (211, 404, 192), (0, 0, 0), (201, 201, 0), (11, 203, 192)],                       # l.2807-2815
    'residents_related': [(2114, 2117, 2), (2109, 2083, -26), (6, 33, 28), (0, 0, 0), (7, 9, 2),
                          (-2, 25, 26), (0, 0, 0), (0, 1, 1), (-2, 23, 25)],                    # l.2837-2845
    'digital': [(3590, 1, -3589), (3590, 1, -3589), (0, 0, 0), (0, 0, 0), (0, 0, 0),
                (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0)],                                    # l.2867-2875
}

# ---------------------------------------------------------------------------------------------
# (注n) of the 決算報告書 (BS l.2461-2465, PL l.2522-2524): mark, lines, text (without "(注n) ").
# ---------------------------------------------------------------------------------------------
NOTES = [
    ('budget_bs', '注1', ['receivables', 'payables'],
     '公的個人認証サービス事業における公的個人認証サービスシステムの次期更改に係るスケジュールの見直しによる費用の減に伴う減'),
    ('budget_bs', '注2', ['receivables', 'payables'],
     '個人番号カード発行等事業におけるマイナンバーカード発行枚数の減による請求額の減少に伴う減'),
    ('budget_bs', '注3', ['lease_tangible', 'lease_current', 'lease_noncurrent'],
     '公的個人認証サービス事業における公的個人認証サービスシステムの次期更改に係るスケジュールの見直しによる新規リースの減に伴う減'),
    ('budget_pl', '注1', ['rev_deferred', 'project_costs'],
     'デジタル基盤改革支援基金事業における補助金交付の皆減による長期前受金取崩収入の減'),
    ('budget_pl', '注2', ['rev_juki_reserve', 'project_costs'],
     '本人確認情報処理事業における住基ネットに係るシステム改修等のスケジュールの見直しに伴う費用の減による住基ネット再構築平準化等積立金取崩収入の減'),
]

# ---------------------------------------------------------------------------------------------
# 左の主な理由 of the 概要 (one entry per bullet): (statement, line, segment, text, cited).
# cited: list of (amount 百万円 as printed, candidate source or None).  A candidate source is
# the narrowest budget line that contains the cited item and for which the engine can compute
# 四捨五入(決算 − 予算) for the reason's segment: a 決算報告書 line for 法人全体, a segment
# summary line for a segment.  It is used (and the amount dropped) only if the computed value
# equals the cited amount - asserted below.  Cited items at line level within a segment
# (「現金及び預金」 of JPKI …) cannot be computed (segment line budgets are unpublished): amount.
# ---------------------------------------------------------------------------------------------
T_JPKI_ASSETS = ('公的個人認証サービスシステムの次期更改に係るスケジュールの見直しに伴う「現金及び預金」の減 (△9,655)、'
                 '「未収金」の減 (△1,407) 及び「リース資産」の減 (△16,159)')
T_JPKI_LIAB = '公的個人認証サービスシステムの次期更改に係るスケジュールの見直しに伴う「未払金」の減 (△12,274) 及び「リース債務」の減 (△16,398)'
REASONS = [
    # 1 貸借対照表 (法人全体), l.2561-2564: the JPKI and カード segment figures, not entity lines
    ('summary_bs', 'assets', None, T_JPKI_ASSETS, [(-9655, None), (-1407, None), (-16159, None)]),
    ('summary_bs', 'assets', None, 'マイナンバーカード発行枚数の減による請求額の減少に伴う「未収金」の減 (△1,462)', [(-1462, None)]),
    ('summary_bs', 'liabilities', None, T_JPKI_LIAB, [(-12274, None), (-16398, None)]),
    ('summary_bs', 'liabilities', None, 'マイナンバーカード発行枚数の減に伴う「未払金」の減 (△1,904)', [(-1904, None)]),
    # 2 損益計算書 (法人全体), l.2583-2584.  △3,589 is the デジタル基盤 segment's 営業収益/営業費用 差引,
    # named as source with '@digital' (the engine evaluates that segment's line).
    ('summary_pl', 'operating_revenue', None,
     '住基ネットに係るシステム改修等のスケジュールの見直しに伴う「住基ネット再構築平準化等積立金取崩収入」の減(△3,718)',
     [(-3718, 'budget_pl.rev_juki_reserve')]),
    ('summary_pl', 'operating_revenue', None,
     'デジタル基盤改革支援基金事業における補助金交付の皆減に伴う「長期前受金取崩収入」の減(△3,589)',
     [(-3589, 'budget_pl.operating_revenue@digital')]),
    ('summary_pl', 'operating_expenses', None,
     '住基ネットに係るシステム改修等のスケジュールの見直しに伴う「事業費」の減(△3,544)', [(-3544, None)]),
    ('summary_pl', 'operating_expenses', None,
     'デジタル基盤改革支援基金事業における補助金交付の皆減に伴う「事業費」の減(△3,589)',
     [(-3589, 'budget_pl.operating_expenses@digital')]),
    # 1 一般事業, l.2642-2663
    ('summary_bs', 'assets', 'general', '年度内収納の増加及び費用の減少等に伴う「現金及び預金」の増(1,485)', [(1485, None)]),
    ('summary_bs', 'liabilities', 'general', '情報処理事業に係るシステム改修のスケジュールの見直しに伴う「リース債務」の減(△288)',
     [(-288, None)]),
    ('summary_bs', 'liabilities', 'general', '年度内支払の減に伴う「未払金」の増(86)', [(86, None)]),
    ('summary_pl', 'operating_revenue', 'general',
     'コンビニ交付サービス新規参加団体数が当初の見込団体数から減少したことに伴う「事業収入」の減(△439)', [(-439, None)]),
    ('summary_pl', 'operating_expenses', 'general',
     '情報処理事業に係るシステム改修のスケジュールの見直しに伴う「事業費」の減(△476)', [(-476, None)]),
    ('summary_pl', 'operating_expenses', 'general',
     'コンビニ交付サービスに係るシステム開発等業務の費用の減少に伴う「事業費」の減(△285)', [(-285, None)]),
    ('summary_pl', 'net_income', 'general', '費用の減少に伴う増', []),
    # 2 本人確認情報処理事業, l.2672-2686
    ('summary_bs', 'assets', 'residents', '「住基ネット再構築平準化等積立金」の取崩額の減少に伴う「現金及び預金」の増（3,718）',
     [(3718, None)]),
    ('summary_bs', 'assets', 'residents', '住基ネットに係るシステム改修等のスケジュールの見直しに伴う「リース資産」の減（△517）',
     [(-517, None)]),
    ('summary_bs', 'liabilities', 'residents', '住基ネットに係るシステム改修等のスケジュールの見直しに伴う「未払金」の減（△1,172）',
     [(-1172, None)]),
    ('summary_bs', 'liabilities', 'residents', '「住基ネット再構築平準化等積立金」の取崩額の減少（3,718）', [(3718, None)]),
    ('summary_pl', 'operating_revenue', 'residents',
     '住基ネットに係るシステム改修等のスケジュールの見直しに伴う「住基ネット再構築平準化等積立金取崩収入」の減（△3,718）',
     [(-3718, 'budget_pl.rev_juki_reserve@')]),
    ('summary_pl', 'operating_expenses', 'residents',
     '住基ネットに係るシステム改修等のスケジュールの見直しに伴う「事業費」の減（△3,544）', [(-3544, None)]),
    # 3 公的個人認証サービス事業, l.2702-2717 (the 436 bullet is printed on the 営業利益 row)
    ('summary_bs', 'assets', 'jpki', T_JPKI_ASSETS, [(-9655, None), (-1407, None), (-16159, None)]),
    ('summary_bs', 'liabilities', 'jpki', T_JPKI_LIAB, [(-12274, None), (-16398, None)]),
    ('summary_pl', 'operating_revenue', 'jpki', '次期機器更改に係る施設設備の整備に関する未減価償却額の減 (677)', [(677, None)]),
    ('summary_pl', 'operating_revenue', 'jpki', '都道府県への返還負担金に伴う「地方公共団体負担金」の減 (△125)', [(-125, None)]),
    ('summary_pl', 'operating_income', 'jpki', 'マイナンバーカード増産対応に係るリース資産の取得に伴う減価償却費の増 (436)',
     [(436, None)]),
    # 4 個人番号カード発行等事業, l.2734-2748
    ('summary_bs', 'assets', 'card',
     'マイナンバーカード発行枚数の減による請求額の減少に伴う「現金及び預金」の減 (△1,055) 及び「未収金」の減 (△1,462)',
     [(-1055, None), (-1462, None)]),
    ('summary_bs', 'assets', 'card',
     'カード管理システムの次期更改に係るスケジュールの見直しに伴う「建設仮勘定」の減 (△992) 及び「リース資産」の減 (△196)',
     [(-992, None), (-196, None)]),
    ('summary_bs', 'liabilities', 'card', 'マイナンバーカード発行枚数の減に伴う「未払金」の減 (△1,904)', [(-1904, None)]),
    ('summary_bs', 'liabilities', 'card',
     'カード管理システムの次期更改に係るスケジュールの見直しに伴う「リース債務」の減 (△189) 及び「長期前受収益」の減 (△1,493)',
     [(-189, None), (-1493, None)]),
    ('summary_pl', 'operating_revenue', 'card',
     'カード管理システムの次期更改に係るスケジュールの見直しによる「個人番号カード等関連交付金」の減 (△113)',
     [(-113, 'budget_pl.operating_revenue')]),
    ('summary_pl', 'operating_expenses', 'card', 'カード管理システムの次期更改に係るスケジュールの見直しによる「事業費」の減 (△149)',
     [(-149, None)]),
    # 5 中間サーバー共同化・集約化等事業, l.2764-2778
    ('summary_bs', 'assets', 'middle', '年度内収納の増に伴う「現金及び預金」の増(150)', [(150, None)]),
    ('summary_bs', 'liabilities', 'middle', '年度内支払の増加に伴う「未払金」の減(△132)', [(-132, None)]),
    ('summary_pl', 'operating_expenses', 'middle',
     '現行及び次期自治体中間サーバー・プラットフォームの運用保守・開発経費の減少に伴う「事業費」の減(△170)', [(-170, None)]),
    # 6 総合行政ネットワーク運営事業, l.2794-2808
    ('summary_bs', 'assets', 'lgwan', '年度内支払の減少に伴う「現金及び預金」の増(232)', [(232, None)]),
    ('summary_bs', 'liabilities', 'lgwan', '年度内支払の減少に伴う「未払金」の増(114)', [(114, None)]),
    ('summary_pl', 'operating_expenses', 'lgwan', 'LGWAN-ASPポータルサイト構築の一部先送り等に伴う「事業費」の減(△153)',
     [(-153, None)]),
    # 7 本人確認情報処理事業関連事業, l.2824-2838
    ('summary_bs', 'assets', 'residents_related', '都道府県ネットワーク受託収入等に係る「未収金」の増(225)', [(225, None)]),
    ('summary_bs', 'liabilities', 'residents_related', '運営経費に係る「未払金」の増(137)', [(137, None)]),
    ('summary_pl', 'operating_expenses', 'residents_related',
     '都道府県ネットワーク監視における保守料等の縮減に伴う「事業費」の減(△26)', [(-26, 'budget_pl.operating_expenses')]),
    # 8 デジタル基盤改革支援基金事業, l.2854-2867 (現金及び預金 ⊂ 流動資産; 長期前受金 ⊂ 固定負債)
    ('summary_bs', 'assets', 'digital', '補助金交付の皆減による「長期前受金取崩収入」の減に伴う「現金及び預金」の増 (3,589)',
     [(3589, 'budget_bs.current_assets')]),
    ('summary_bs', 'liabilities', 'digital', '補助金交付の皆減による「長期前受金取崩収入」の減に伴う「長期前受金」の増 (3,588)',
     [(3588, 'budget_bs.noncurrent_liabilities')]),
    ('summary_pl', 'operating_revenue', 'digital', '補助金交付の皆減に伴う「長期前受金取崩収入」の減 (△3,589)',
     [(-3589, 'budget_pl.operating_revenue')]),
]

# Comments written above a reason in notes.toml (why it carries an amount, not a source).
REASON_COMMENTS = {
    ('jpki', 436): 'printed on the 営業利益 row of the OCR text; it explains the 営業費用 increase (+316). '
                   'Kept on operating_income as printed (published/BUDGET_README.md §5.5).',
}

# ---------------------------------------------------------------------------------------------
# Segment summary model.  Variables (the budget lines written per segment) and the 概要 lines
# as linear forms over them.
# ---------------------------------------------------------------------------------------------
BS_VARS = ['current_assets', 'fixed_assets', 'current_liabilities', 'noncurrent_liabilities', 'total_net_assets']
PL_VARS = ['operating_revenue', 'operating_expenses', 'nonop_revenue', 'nonop_expenses', 'extraordinary_gains',
           'extraordinary_losses', 'resident_tax']
BS_FORMS = {
    'assets': {'current_assets': 1, 'fixed_assets': 1},
    'current_assets': {'current_assets': 1},
    'fixed_assets': {'fixed_assets': 1},
    'liabilities': {'current_liabilities': 1, 'noncurrent_liabilities': 1},
    'current_liabilities': {'current_liabilities': 1},
    'noncurrent_liabilities': {'noncurrent_liabilities': 1},
    'net_assets': {'total_net_assets': 1},
}
PL_FORMS = {
    'operating_revenue': {'operating_revenue': 1},
    'operating_expenses': {'operating_expenses': 1},
    'operating_income': {'operating_revenue': 1, 'operating_expenses': -1},
    'nonop_revenue': {'nonop_revenue': 1},
    'nonop_expenses': {'nonop_expenses': 1},
    'ordinary_income': {'operating_revenue': 1, 'operating_expenses': -1, 'nonop_revenue': 1, 'nonop_expenses': -1},
    'extraordinary_gains': {'extraordinary_gains': 1},
    'extraordinary_losses': {'extraordinary_losses': 1},
    'net_income': {'operating_revenue': 1, 'operating_expenses': -1, 'nonop_revenue': 1, 'nonop_expenses': -1,
                   'extraordinary_gains': 1, 'extraordinary_losses': -1, 'resident_tax': -1},
}
# the 決算報告書 line whose segment actual is the 概要 line
SUMMARY_TO_LAYOUT = {'assets': 'total_assets', 'liabilities': 'total_liabilities', 'net_assets': 'total_net_assets'}

MILLION = 1_000_000
UNIT = 1000       # ASSUMPTION B2: derived segment budgets are whole 千円, like every published 予算額


def r4(yen: int) -> int:
    """四捨五入 to 百万円: half up on the magnitude (published/BUDGET_README.md §4)."""
    q = (abs(yen) + MILLION // 2) // MILLION
    return q if yen >= 0 else -q


def rounds_to(p: int) -> tuple[int, int]:
    """The yen interval [lo, hi] with r4(x) == p."""
    if p > 0:
        return p * MILLION - MILLION // 2, p * MILLION + MILLION // 2 - 1
    if p < 0:
        return p * MILLION - MILLION // 2 + 1, p * MILLION + MILLION // 2
    return -(MILLION // 2) + 1, MILLION // 2 - 1


def rounds_to_strictly(p: int) -> tuple[int, int]:
    """rounds_to(p) without the tie (… 500,000), where half-up and half-even would differ."""
    return p * MILLION - MILLION // 2 + 1, p * MILLION + MILLION // 2 - 1


def fmt(v: int) -> str:
    return f'{v:,}' if v >= 0 else f'△{-v:,}'


# ---------------------------------------------------------------------------------------------
# Ledger: accounts, layouts, opening balances and journal → 決算 by segment and line
# ---------------------------------------------------------------------------------------------
def load_toml(name):
    with open(os.path.join(BOOK, name), 'rb') as fh:
        return tomllib.load(fh)


KIND = {a['code']: a['kind'] for a in load_toml('accounts.toml')['account']}
CREDIT = {'liability', 'net_assets', 'revenue'}
LAYOUT = {}
for fname in ('layouts/60_settlement_bs.toml', 'layouts/70_settlement_pl.toml'):
    doc = load_toml(fname)
    LAYOUT[doc['statement']['id']] = (doc['statement'], [ln for ln in doc['line'] if 'id' in ln])

FY_START, FY_END = '2020-04-01', '2021-03-31'
CLOSE = defaultdict(int)     # (segment, account) → balance at FY_END, journal sign (debit +)
MOVE = defaultdict(int)      # (segment, account) → FY movement, excluding flow net_income
CLOSE_E = defaultdict(int)   # the same without partner-tagged (inter-segment) postings: 法人全体
MOVE_E = defaultdict(int)
with open(os.path.join(BOOK, 'opening.csv'), encoding='utf-8', newline='') as fh:
    for row in csv.DictReader(fh):
        CLOSE[(row['segment'], row['account'])] += int(row['amount'])
        if not row.get('partner'):
            CLOSE_E[row['account']] += int(row['amount'])
with open(os.path.join(BOOK, 'journal.csv'), encoding='utf-8', newline='') as fh:
    date = None
    for row in csv.DictReader(fh):
        date = row['date'] or date
        if date > FY_END:
            continue
        seg, acct, amt = row['segment'], row['account'], int(row['amount'])
        CLOSE[(seg, acct)] += amt
        if not row['partner']:
            CLOSE_E[acct] += amt
        if date >= FY_START and row['flow'] != 'net_income':
            MOVE[(seg, acct)] += amt
            if not row['partner']:
                MOVE_E[acct] += amt


def line_values(stmt: str, seg: str | None) -> dict[str, int]:
    """Every line of a budget layout, 決算 side, presented sign (credit kinds positive)."""
    meta, lines = LAYOUT[stmt]
    if seg is None:
        bal = CLOSE_E if meta['basis'] == 'closing' else MOVE_E
        get = lambda a: bal[a]  # noqa: E731
    else:
        bal = CLOSE if meta['basis'] == 'closing' else MOVE
        get = lambda a: bal[(seg, a)]  # noqa: E731
    vals: dict[str, int] = {}
    for ln in lines:
        if 'accounts' in ln:
            vals[ln['id']] = sum(-get(a) if KIND[a] in CREDIT else get(a) for a in ln['accounts'])
        else:
            vals[ln['id']] = eval_formula(ln['formula'], vals)
    return vals


def eval_formula(formula: str, vals: dict[str, int]) -> int:
    total, sign = 0, 1
    for tok in formula.split():
        if tok in '+-':
            sign = 1 if tok == '+' else -1
        else:
            total += sign * vals.get(tok, 0)
    return total


def budget_values(stmt: str, given: dict[str, int]) -> dict[str, int]:
    """Every line of a budget layout, 予算 side: the given amount, else the formula, else 0."""
    vals: dict[str, int] = {}
    for ln in LAYOUT[stmt][1]:
        if ln['id'] in given:
            vals[ln['id']] = given[ln['id']]
        elif 'formula' in ln:
            vals[ln['id']] = eval_formula(ln['formula'], vals)
        else:
            vals[ln['id']] = 0
    return vals


ACT = {(stmt, seg): line_values(stmt, seg) for stmt in LAYOUT for seg in SEGS + [None]}


def seg_actual(stmt: str, line: str, seg: str | None) -> int:
    lid = SUMMARY_TO_LAYOUT.get(line, line)
    return ACT[(stmt, seg)][lid]


# ---------------------------------------------------------------------------------------------
# 法人全体: leaves as published, subtotals by formula = printed subtotals
# ---------------------------------------------------------------------------------------------
leaf_ids = {stmt: [ln['id'] for ln in LAYOUT[stmt][1] if 'accounts' in ln and not ln.get('segment_only')]
            for stmt in LAYOUT}
assert sorted(leaf_ids['budget_bs']) == sorted(BUDGET_BS), set(leaf_ids['budget_bs']) ^ set(BUDGET_BS)
assert sorted(leaf_ids['budget_pl']) == sorted(BUDGET_PL), set(leaf_ids['budget_pl']) ^ set(BUDGET_PL)
WHOLE = {'budget_bs': budget_values('budget_bs', BUDGET_BS), 'budget_pl': budget_values('budget_pl', BUDGET_PL)}
for stmt, totals in (('budget_bs', BUDGET_BS_TOTALS), ('budget_pl', BUDGET_PL_TOTALS)):
    for lid, v in totals.items():
        assert WHOLE[stmt][lid] == v, (stmt, lid, WHOLE[stmt][lid], v)
assert WHOLE['budget_bs']['total_assets'] == WHOLE['budget_bs']['total_liabilities_net_assets']

# The 概要 法人全体 figures: 予算 and 決算 = 四捨五入 of the yen figures; 差引 likewise except
# the known 負債 差引 (printed △26,205 = 263,958 − 290,163; rule gives △26,204).
KNOWN_WHOLE = {('summary_bs', 'liabilities', '差引'): -26205}
whole_mismatch = []
for stmt, lines, table in (('budget_bs', BS_LINES, SUMMARY_ALL_BS), ('budget_pl', PL_LINES, SUMMARY_ALL_PL)):
    for line, (p, a, d) in zip(lines, table):
        lid = SUMMARY_TO_LAYOUT.get(line, line)
        b, act = WHOLE[stmt][lid], ACT[(stmt, None)][lid]
        for col, pub, calc in (('予算', p, r4(b)), ('決算', a, r4(act)), ('差引', d, r4(act - b))):
            if pub != calc:
                whole_mismatch.append((stmt, line, col, pub, calc))
assert [(s.replace('budget', 'summary'), l, c) for s, l, c, _, _ in whole_mismatch] == list(KNOWN_WHOLE), whole_mismatch


# ---------------------------------------------------------------------------------------------
# Segment budgets.  Per segment and 概要 line, the two published roundings give an interval of
# budget values (a "cell"); the segment summary lines form a network (a circulation: every
# summary line is an arc, every subtotal a node, every 法人全体 total an arc from/to a root), so
# the integer budget nearest to a target (least Σ |budget − target|, in 千円) is a min-cost flow,
# solved exactly by successive shortest paths; being a network, the optimum is integral.
# ---------------------------------------------------------------------------------------------
def ceil_div(a, b):
    return -((-a) // b)


def leaves(stmt: str, lid: str) -> list[str]:
    """The account lines under a line of a budget layout (through its formula; all signs +)."""
    ln = next(x for x in LAYOUT[stmt][1] if x['id'] == lid)
    if 'accounts' in ln:
        return [] if ln.get('segment_only') else [lid]
    toks = ln['formula'].split()
    assert '-' not in toks, lid
    return [leaf for tok in toks if tok != '+' for leaf in leaves(stmt, tok)]


class Network:
    """Min-cost circulation with arc bounds, started from a base flow, convex |x − base| costs."""

    def __init__(self):
        self.nodes: dict[str, int] = {}
        self.edges: list[list] = []      # [to, cap, cost, rev index]
        self.adj: list[list[int]] = []
        self.arcs: dict[object, tuple] = {}    # key → (u, v, lo, hi, base, up edge, down edge)

    def node(self, name):
        if name not in self.nodes:
            self.nodes[name] = len(self.adj)
            self.adj.append([])
        return self.nodes[name]

    def _edge(self, u, v, cap, cost):
        self.adj[u].append(len(self.edges))
        self.edges.append([v, cap, cost, len(self.edges) + 1])
        self.adj[v].append(len(self.edges))
        self.edges.append([u, 0, -cost, len(self.edges) - 1])
        return len(self.edges) - 2

    def arc(self, key, u, v, lo, hi, base, cost):
        """Flow u → v in [lo, hi]; it starts at base; each unit away from base costs `cost`."""
        u, v = self.node(u), self.node(v)
        if lo > hi:
            raise ValueError(f'empty interval for {key}: [{lo}, {hi}]')
        base = min(max(base, lo), hi)
        up = self._edge(u, v, hi - base, cost)
        down = self._edge(v, u, base - lo, cost)
        self.arcs[key] = (u, v, lo, hi, base, up, down)

    def flow(self, key):
        u, v, lo, hi, base, up, down = self.arcs[key]
        return base + (self.edges[up ^ 1][1]) - (self.edges[down ^ 1][1])

    def solve(self):
        """Restore conservation at every node at least cost (successive shortest paths)."""
        excess = [0] * len(self.adj)
        for u, v, lo, hi, base, up, down in self.arcs.values():
            excess[v] += base
            excess[u] -= base
        src, snk = self.node('⊤source'), self.node('⊤sink')
        excess += [0, 0]
        need = 0
        for k in range(len(excess) - 2):
            if excess[k] > 0:              # more in than out: push the surplus onward
                self._edge(src, k, excess[k], 0)
                need += excess[k]
            elif excess[k] < 0:
                self._edge(k, snk, -excess[k], 0)
        pushed = 0
        n = len(self.adj)
        while pushed < need:
            dist, prev = [None] * n, [None] * n
            dist[src] = 0
            for _ in range(n):             # Bellman-Ford (residual costs may be negative)
                changed = False
                for u in range(n):
                    if dist[u] is None:
                        continue
                    for e in self.adj[u]:
                        to, cap, cost, _r = self.edges[e]
                        if cap > 0 and (dist[to] is None or dist[u] + cost < dist[to]):
                            dist[to], prev[to] = dist[u] + cost, e
                            changed = True
                if not changed:
                    break
            if dist[snk] is None:
                return need - pushed       # infeasible: this much cannot be routed
            path, x = [], snk
            while x != src:
                e = prev[x]
                path.append(e)
                x = self.edges[e ^ 1][0]
            f = min(self.edges[e][1] for e in path)
            for e in path:
                self.edges[e][1] -= f
                self.edges[e ^ 1][1] += f
            pushed += f
        return 0


# The network of the summary lines: (line, from-node, to-node), '*' = the segment's node name
# prefix, 'V:<var>' the 法人全体 node of a variable (fed from / draining to the root).
BS_ARCS = [('current_assets', 'V:current_assets', '*A'), ('fixed_assets', 'V:fixed_assets', '*A'),
           ('assets', '*A', '*B'),
           ('liabilities', '*B', '*L'), ('net_assets', '*B', 'V:total_net_assets'),
           ('current_liabilities', '*L', 'V:current_liabilities'),
           ('noncurrent_liabilities', '*L', 'V:noncurrent_liabilities')]
PL_ARCS = [('operating_revenue', 'V:operating_revenue', '*1'), ('operating_expenses', '*1', 'V:operating_expenses'),
           ('operating_income', '*1', '*2'),
           ('nonop_revenue', 'V:nonop_revenue', '*2'), ('nonop_expenses', '*2', 'V:nonop_expenses'),
           ('ordinary_income', '*2', '*3'),
           ('extraordinary_gains', 'V:extraordinary_gains', '*3'),
           ('extraordinary_losses', '*3', 'V:extraordinary_losses'), ('resident_tax', '*3', 'V:resident_tax'),
           ('net_income', '*3', 'V:net_income')]
INFLOW_VARS = {'current_assets', 'fixed_assets', 'operating_revenue', 'nonop_revenue', 'extraordinary_gains'}
# ASSUMPTION B6: cost per 千円 of moving a cell away from its target: 1 for a cell-middle target,
# 2 for a target estimated from the 決算 shares, 4 for a cell published as 0.
ZERO_WEIGHT = 4


def solve(stmt, variables, forms, lines, seg_tables, whole):
    """Segment budgets (yen) for one statement → (values, dropped cells)."""
    net, dropped = Network(), []
    var_of = {ln: v for ln, f in forms.items() for v in f if f == {v: 1}}
    line_of = {v: next((ln for ln, x in var_of.items() if x == v), v) for v in variables}
    for s in SEGS:
        cell = {}
        for line, (p, a, d) in zip(lines, seg_tables[s]):
            act = seg_actual(stmt, line, s)
            assert r4(act) == a, (stmt, s, line, act, a)   # the 概要 決算 is the ledger's, rounded
            # ASSUMPTION B2: no derived figure sits on a rounding tie (x,xxx,500,000), so the
            # cells hold under 四捨五入 and under any other rounding of ties alike
            blo, bhi = rounds_to_strictly(p)               # 四捨五入(予算) = p
            dlo, dhi = rounds_to_strictly(d)               # 四捨五入(決算 − 予算) = d
            lo, hi = max(blo, act - dhi), min(bhi, act - dlo)
            if ceil_div(lo, UNIT) > hi // UNIT:            # keep 予算, drop 差引 (reported)
                dropped.append((s, line, p, a, d, act, (blo, bhi), (act - dhi, act - dlo)))
                lo, hi = blo, bhi
            lo, hi = ceil_div(lo, UNIT), hi // UNIT
            if line in var_of:
                lo = max(lo, 0)                            # ASSUMPTION B3: no negative summary budget
            cell[line] = (lo, hi, p)
        if stmt == 'budget_pl':                            # ASSUMPTION B4: 法人住民税 in 一般事業
            t = whole['resident_tax'] // UNIT if s == 'general' else 0
            cell['resident_tax'] = (t, t, None)
        # targets (ASSUMPTION B5): the 法人全体 予算額 of the leaf lines under the variable split
        # in proportion to the segments' 決算 of each leaf; where that estimate falls outside the
        # cell, the middle of the cell.  Derived lines (資産, 営業利益 …) cost nothing.
        # target[line] = (value in 千円, cost per 千円 of deviation)
        target = {}
        for line, (lo, hi, p) in cell.items():
            if line in var_of or line == 'resident_tax':
                v = var_of.get(line, line)
                est = 0
                for leaf in leaves(stmt, v):
                    tot = sum(max(0, ACT[(stmt, s2)][leaf]) for s2 in SEGS)
                    if tot:
                        est += WHOLE[stmt][leaf] * max(0, ACT[(stmt, s)][leaf]) // tot
                est = round(est / UNIT)
                target[line] = (est, 2) if lo <= est <= hi else ((lo + hi) // 2, 1)
        for line, frm, to in (BS_ARCS if stmt == 'budget_bs' else PL_ARCS):
            lo, hi, p = cell[line]
            if line in target:
                base, cost = target[line][0], (ZERO_WEIGHT if p == 0 else target[line][1])
            else:
                base = sum(c * target[line_of[v]][0] for v, c in forms[line].items())
                cost = 0
            net.arc((s, line), frm.replace('*', s + ':'), to.replace('*', s + ':'), lo, hi, base, cost)
    for v in variables + (['net_income'] if stmt == 'budget_pl' else []):
        w = (whole[v] if v in whole else WHOLE[stmt][v])
        assert w % UNIT == 0
        w //= UNIT
        if v in INFLOW_VARS:
            net.arc(('Σ', v), 'root', 'V:' + v, w, w, w, 0)
        else:
            net.arc(('Σ', v), 'V:' + v, 'root', w, w, w, 0)
    left = net.solve()
    assert left == 0, f'{stmt}: no budget satisfies every cell; {left} 千円 cannot be placed'
    out = {}
    for s in SEGS:
        for v in variables:
            out[(s, v)] = net.flow((s, line_of[v])) * UNIT
    return out, dropped


WHOLE_SUMMARY = {
    'budget_bs': {v: WHOLE['budget_bs'][v] for v in BS_VARS},
    'budget_pl': {v: WHOLE['budget_pl'][v] for v in PL_VARS},
}
SEG_BUDGET = {}
DROPPED = []
for stmt, variables, forms, lines, tables in (
        ('budget_bs', BS_VARS, BS_FORMS, BS_LINES, SUMMARY_SEG_BS),
        ('budget_pl', PL_VARS, PL_FORMS, PL_LINES, SUMMARY_SEG_PL)):
    vals, dropped = solve(stmt, variables, forms, lines, tables, WHOLE_SUMMARY[stmt])
    SEG_BUDGET[stmt] = vals
    DROPPED += [(stmt,) + d for d in dropped]


def seg_budget_line(stmt, line, s):
    return sum(c * SEG_BUDGET[stmt][(s, v)] for v, c in (BS_FORMS if stmt == 'budget_bs' else PL_FORMS)[line].items())


# Verify every cell (the solver guarantees them; asserted independently here)
for stmt, lines, tables in (('budget_bs', BS_LINES, SUMMARY_SEG_BS), ('budget_pl', PL_LINES, SUMMARY_SEG_PL)):
    for v in (BS_VARS if stmt == 'budget_bs' else PL_VARS):
        assert sum(SEG_BUDGET[stmt][(s, v)] for s in SEGS) == WHOLE_SUMMARY[stmt][v], (stmt, v)
    for s in SEGS:
        for line, (p, a, d) in zip(lines, tables[s]):
            b, act = seg_budget_line(stmt, line, s), seg_actual(stmt, line, s)
            is_dropped = any(x[0] == stmt and x[1] == s and x[2] == line for x in DROPPED)
            assert r4(b) == p, (stmt, s, line, b, p)
            assert is_dropped or r4(act - b) == d, (stmt, s, line, b, act, d)
        if stmt == 'budget_bs':
            assert seg_budget_line(stmt, 'assets', s) == \
                seg_budget_line(stmt, 'liabilities', s) + seg_budget_line(stmt, 'net_assets', s), s

# ---------------------------------------------------------------------------------------------
# Reasons: source where the engine computes the cited amount, else amount
# ---------------------------------------------------------------------------------------------
SEG_GIVEN = {(stmt, s): {v: SEG_BUDGET[stmt][(s, v)] for v in (BS_VARS if stmt == 'budget_bs' else PL_VARS)}
             for stmt in LAYOUT for s in SEGS}


def engine_diff(source: str, seg: str | None) -> int:
    """四捨五入(決算 − 予算) of a budget line as the engine computes it for seg (None = 法人全体).

    ``stmt.line@segment`` evaluates another segment's line (``@`` alone: 法人全体), as the engine does.
    """
    if '@' in source:
        source, at = source.split('@')
        seg = at or None
    stmt, lid = source.split('.')
    budget = WHOLE[stmt] if seg is None else budget_values(stmt, SEG_GIVEN[(stmt, seg)])
    return r4(ACT[(stmt, seg)][lid] - budget[lid])


REASON_ROWS = []     # (statement, line, segment, text, part or None, amount or None, source or None)
for stmt, line, seg, text, cited in REASONS:
    if not cited:
        REASON_ROWS.append((stmt, line, seg, text, None, None, None))
    for k, (amount, cand) in enumerate(cited, 1):
        part = k if len(cited) > 1 else None
        if cand is not None:
            got = engine_diff(cand, seg)
            assert got == amount, (seg, text, cand, got, amount)
            REASON_ROWS.append((stmt, line, seg, text, part, None, cand))
        else:
            REASON_ROWS.append((stmt, line, seg, text, part, amount, None))

# Information: other budget lines whose computed difference equals a cited amount (not used:
# they are not the line the bullet names; e.g. the whole-organisation △3,589 = デジタル基盤 営業収益)
COINCIDENCES = []
for stmt, line, seg, text, cited in REASONS:
    for amount, cand in cited:
        for st in LAYOUT:
            for ln in LAYOUT[st][1]:
                src = f"{st}.{ln['id']}"
                if src != cand and engine_diff(src, seg) == amount and \
                        (seg is None or ln['id'] in BS_VARS + PL_VARS + ['total_assets', 'total_liabilities']):
                    COINCIDENCES.append((seg, amount, src))
        if seg is None:
            for s in SEGS:
                for st, ls in (('budget_bs', BS_LINES), ('budget_pl', PL_LINES)):
                    for l2 in ls:
                        if r4(seg_actual(st, l2, s) - seg_budget_line(st, l2, s)) == amount:
                            COINCIDENCES.append((None, amount, f'{s} {st}.{l2} (segment line)'))


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
def toml_str(s: str) -> str:
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


os.makedirs(OUT, exist_ok=True)
rev = REVISION
with open(os.path.join(OUT, 'revisions.toml'), 'w', encoding='utf-8', newline='\n') as fh:
    fh.write(
        '# 令和2年度の予算 (docs/budget-format.md).  Written by derivation/budget.py - do not edit by hand.\n'
        '# Only the final budget (after the 3月補正) has published amounts: the 予算額 of the 決算報告書.\n'
        '# 当初予算 and the 6月補正 (代表者会議 第35回, 2020-06-26) and 2月補正 (第36回, 2021-02-03) are\n'
        '# known from 第3表 but their amounts are not published, so they are not recorded and this\n'
        '# revision has no `revises`.\n'
        '\n[[revision]]\n'
        f"code = {toml_str(rev['code'])}\n"
        f"year = {rev['year']}\n"
        f"name = {toml_str(rev['name'])}\n"
        f"approved = {rev['approved']}          # 代表者会議 第37回 (第3表)\n"
        f"body = {toml_str(rev['body'])}\n"
        f"file = {toml_str(rev['file'])}\n")

buf = io.StringIO()
w = csv.writer(buf, lineterminator='\n')
w.writerow(['statement', 'line', 'segment', 'amount'])
n_whole = 0
for stmt, given in (('budget_bs', BUDGET_BS), ('budget_pl', BUDGET_PL)):
    for lid in leaf_ids[stmt]:
        w.writerow([stmt, lid, '', given[lid]])
        n_whole += 1
n_seg = 0
for s in SEGS:
    for stmt, variables in (('budget_bs', BS_VARS), ('budget_pl', PL_VARS)):
        for v in variables:
            w.writerow([stmt, v, s, SEG_BUDGET[stmt][(s, v)]])
            n_seg += 1
with open(os.path.join(OUT, REVISION['file']), 'w', encoding='utf-8', newline='') as fh:
    fh.write(buf.getvalue())

out = ['# (注n) of the 決算報告書 and 左の主な理由 of 参考資料1-2「令和2年度決算の概要」 (docs/budget-format.md).',
       '# Written by derivation/budget.py - do not edit by hand.  Texts verbatim (published/reasons.csv).',
       '# A reason has `source` when the cited amount is 四捨五入(決算 − 予算) of that budget line (for the',
       "# reason's segment, or for the segment after '@'; '@' alone = 法人全体); otherwise the published",
       '# `amount` (百万円).',
       '# A bullet citing several amounts gives one [[reason]] per amount, with the same text and `part`.', '']
for stmt, mark, lines, text in NOTES:
    out += ['[[note]]', f'statement = {toml_str(stmt)}', f'mark = {toml_str(mark)}',
            'lines = [' + ', '.join(toml_str(x) for x in lines) + ']', f'text = {toml_str(text)}', '']
for stmt, line, seg, text, part, amount, source in REASON_ROWS:
    comment = REASON_COMMENTS.get((seg, amount))
    if comment:
        out += ['# ' + comment]
    out += ['[[reason]]', f'statement = {toml_str(stmt)}', f'line = {toml_str(line)}']
    if seg:
        out.append(f'segment = {toml_str(seg)}')
    out.append(f'text = {toml_str(text)}')
    if part is not None:
        out.append(f'part = {part}')
    if source is not None:
        out.append(f'source = {toml_str(source)}')
    if amount is not None:
        out.append(f'amount = {amount}')
    out.append('')
with open(os.path.join(OUT, 'notes.toml'), 'w', encoding='utf-8', newline='\n') as fh:
    fh.write('\n'.join(out))

if __name__ == '__main__':
    print(f'{REVISION["file"]}: {n_whole} 法人全体 leaf lines, {n_seg} segment summary lines; '
          f'notes.toml: {len(NOTES)} notes, {len(REASON_ROWS)} reasons '
          f'({sum(1 for r in REASON_ROWS if r[6])} with source)')
    for stmt, line, col, pub, calc in whole_mismatch:
        print(f'  法人全体 {SUMMARY_LABEL[line]} {col}: published {fmt(pub)}, 四捨五入 of the yen figures {fmt(calc)} '
              f'(known inconsistency, kept as published in the 概要; the engine computes {fmt(calc)})')
    for stmt, s, line, p, a, d, act, (blo, bhi), (dlo, dhi) in DROPPED:
        print(f'  INFEASIBLE {s} {SUMMARY_LABEL[line]}: 予算 {fmt(p)} needs [{blo:,}, {bhi:,}], 差引 {fmt(d)} with '
              f'決算 {act:,} needs [{dlo:,}, {dhi:,}]; kept the 予算, 差引 not reproduced')
    if '-v' in sys.argv:
        for s, name in zip(SEGS, SEG_NAMES):
            print(f'{name} ({s}):')
            for stmt, variables in (('budget_bs', BS_VARS), ('budget_pl', PL_VARS)):
                print('   ' + ', '.join(f'{v} {SEG_BUDGET[stmt][(s, v)]:,}' for v in variables))
        for c in COINCIDENCES:
            print('  coincidence', c)
