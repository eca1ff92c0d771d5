#!/usr/bin/env python3
"""Derive the books of 地方公共団体情報システム機構 (J-LIS), 令和2年度 (FY2020).

Writes ../opening.csv and ../journal.csv (see docs/book-format.md) such that an engine that
sums the postings reproduces the published 令和2年度財務諸表 to the yen.

Python 3.11, standard library only.  The script does NOT read ../published/: every published
figure it uses is typed below as a named constant, with the table / line it comes from.
Everything else is derived by arithmetic; every free choice (an allocation the statements do
not publish) is marked ASSUMPTION and listed, numbered, in ../README.md.

Method: the journal holds the year's movements of every segment; the opening balance of each
(segment, account) is then the published year-end balance minus that year's movements, so the
published year-end figures are reproduced by construction and the opening figures follow.
Run:  python3 examples/jlis-fy2020/derivation/build.py
"""
from __future__ import annotations

import csv
import io
import os
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
BOOK = os.path.dirname(HERE)

# ---------------------------------------------------------------------------------------------
# Segments (segments.toml, published column order of 事業別財務情報)
# ---------------------------------------------------------------------------------------------
SEGS = ['general', 'residents', 'jpki', 'card', 'middle', 'lgwan', 'residents_related', 'digital']
G, R, J, C, M, L, RR, D = range(8)
SEG_NAMES = ['一般事業', '本人確認情報処理事業', '公的個人認証サービス事業', '個人番号カード発行等事業',
             '中間サーバー共同化・集約化等事業', '総合行政ネットワーク運営事業', '本人確認情報処理事業関連事業',
             'デジタル基盤改革支援基金事業']
STAFFED = [G, R, J, C, M, L]          # segments with 賞与引当金 / 一般管理費 (staff)

# ---------------------------------------------------------------------------------------------
# Published figures.  Segment tuples are in SEGS order.
# ---------------------------------------------------------------------------------------------
# 事業別貸借対照表 (segment balance sheet, 令和3年3月31日), leaf lines, as printed
# (他事業勘定 with the sign restored: negative = claim on other segments).
BS = {
    '現金及び預金': (5580910143, 10289923157, 7485135159, 2302616694, 11605675243, 1662811158, 214380268, 178788430000),
    '未収金': (2269930381, 5136429689, 1376229075, 38290827160, 27239500, 42517427, 227703145, 0),
    '前払金': (387730, 3233780, 0, 0, 0, 0, 0, 0),
    '貯蔵品': (100694, 0, 0, 0, 0, 0, 0, 0),
    '建物': (251522852, 505549876, 173656482, 235860817, 75976767, 108502333, 0, 0),
    '備品': (21183090, 37419530, 7964772, 20466502, 6058843, 8582868, 450860, 0),
    '建設仮勘定': (19971864, 39365174, 13477808, 13981364, 3848395, 6240376, 0, 0),
    '有形固定資産/リース資産': (328180731, 495055514, 693128404, 319768294, 246983, 107904497, 864633310, 0),
    '電話加入権': (2705450, 246800, 0, 0, 0, 91600, 0, 0),
    'ソフトウェア': (116162791, 0, 0, 0, 0, 0, 0, 0),
    '無形固定資産/リース資産': (0, 206315632, 0, 0, 0, 0, 0, 0),
    '投資有価証券': (200000000, 0, 0, 0, 0, 0, 0, 0),
    '保証金': (213021402, 493078070, 84265000, 87183000, 24901000, 100012325, 0, 0),
    '未払金': (4525985733, 5702368815, 3775610236, 41220115104, 11295737453, 509438535, 202300845, 0),
    '未払法人住民税等': (70000, 0, 0, 0, 0, 0, 0, 0),
    '預り金': (13573372, 0, 0, 0, 4000, 0, 0, 0),
    '賞与引当金': (35867867, 33905362, 14310400, 20106048, 8734390, 16354743, 0, 0),
    '役員賞与引当金': (1705731, 1755316, 1239630, 2965195, 1190045, 1061123, 0, 0),
    '流動負債/リース債務': (75071373, 204001058, 411177109, 202285190, 47445, 35914568, 225256554, 0),
    '他事業勘定': (-55946549, -320605302, 1099373429, -693765680, -87346803, 40661692, 16383655, 1245558),
    '長期前受金': (0, 2560158031, 1637436912, 143330066, 40800173, 314794073, 0, 178787184442),
    '退職給付引当金': (367073031, 184816019, 32200183, 13244188, 27346292, 100360133, 0, 0),
    '役員退職引当金': (6246322, 5033409, 2006112, 2563268, 1943616, 3166473, 0, 0),
    '住基ネット再構築平準化等積立金': (0, 7692138985, 0, 0, 0, 0, 0, 0),
    'セキュリティ強化等積立金': (0, 0, 800000000, 0, 0, 0, 0, 0),
    '次期システム更改積立金': (0, 0, 0, 0, 0, 380000000, 0, 0),
    '固定負債/リース債務': (259864873, 501455403, 87735398, 4341399, 176741, 72713245, 643762323, 0),
    '資産除去債務': (56513550, 365702706, 41079867, 98118819, 39470823, 149813606, 0, 0),
    '地方公共団体出資金': (134000000, 0, 0, 0, 0, 0, 0, 0),
    '積立金': (3307322825, 275887420, 647589646, 257400234, 415842556, 212384393, 219464206, 0),
    '公的個人認証サービス事業財政調整積立金': (0, 0, 942097778, 0, 0, 0, 0, 0),
    'システム開発積立金': (276729000, 0, 342000000, 0, 0, 200000000, 0, 0),
}
# 事業別貸借対照表 相殺等: 未収金 and 未払金 2,402,764 (inter-segment balances at year end).
ELIM_AR_AP = 2402764

# 事業別損益計算書 (segment P&L), leaf lines (revenue rows as reconstructed in published/README.md).
PL = {
    '4110': (302835900, 0, 0, 0, 0, 0, 0, 0),                               # 事業負担金収入
    '4120': (0, 0, 6140960888, 48147496934, 0, 0, 0, 0),                    # 個人番号カード等関連交付金
    '4130': (0, 0, 0, 0, 11904682827, 0, 0, 0),                             # 自治体中間サーバ関連交付金
    '4140': (0, 1036650566, 1780860144, 0, 0, 1270075999, 0, 0),            # 地方公共団体負担金収入
    '4150': (63149455, 0, 0, 0, 0, 620954272, 5366592, 0),                  # 負担金収入 (相殺等 28,726,100)
    '4160': (5739491148, 2821869617, 0, 0, 0, 0, 2111348656, 0),            # 事業収入 (相殺等 904,210)
    '4170': (0, 6703289799, 139227771, 0, 0, 0, 0, 0),                      # 情報提供手数料
    '4180': (0, 213496730, 0, 0, 0, 0, 0, 0),                               # 符号生成住民票コード提供手数料
    '4190': (0, 0, 21960200, 0, 0, 0, 0, 0),                                # 発行手数料
    '4200': (0, 1310, 0, 0, 0, 0, 0, 0),                                    # 情報開示手数料
    '4210': (224800000, 0, 0, 0, 0, 0, 0, 0),                               # 補助金等収入
    '4220': (0, 587197800, 0, 0, 0, 99455020, 0, 1245558),                  # 長期前受金取崩収入
    '4230': (0, 384949043, 0, 0, 0, 0, 0, 0),                               # 住基ネット再構築平準化等積立金取崩収入
    '事業費': (6321850794, 8528508723, 7394948952, 48083862955, 11631693036, 1546784398, 2083296323, 1245558),
    '一般管理費': (216620905, 313405403, 79857261, 136234294, 34425353, 39068817, 0, 0),
    '4510': (127126, 317111, 151248, 0, 156070, 25788, 2890, 0),            # 受取利息
    '4520': (27398, 0, 0, 0, 0, 0, 0, 0),                                   # 有価証券利息
    '4530': (960000, 720000, 240000, 487008, 720000, 0, 0, 0),              # 借上住宅使用料
    '4540': (0, 0, 13097700, 0, 0, 0, 0, 0),                                # 動作確認ICカード作成料
    '4550': (29900, 0, 0, 0, 0, 0, 0, 0),                                   # 消費税還付金
    '4560': (691393, 109237, 1713152, 0, 0, 0, 0, 0),                       # 雑収入
    '5510': (7054105, 8322645, 27731164, 15839095, 3945, 954742, 8915491, 0),  # 支払利息
    '4810': (102300, 0, 0, 0, 0, 0, 0, 0),                                  # 固定資産売却益
    '固定資産除却損': (11774139, 2012917, 1804963, 12163794, 1224672, 643011, 1349722, 0),
    '5820': (0, 2868537000, 0, 0, 0, 0, 0, 0),                              # 住基ネット再構築平準化等積立金繰入額
    '5830': (0, 0, 200000000, 0, 0, 0, 0, 0),                               # セキュリティ強化等積立金繰入額
    '5840': (0, 0, 0, 0, 0, 200000000, 0, 0),                               # 次期システム更改積立金繰入額
    '5910': (70000, 0, 0, 0, 0, 0, 0, 0),                                   # 法人住民税
    '当期純利益': (-225155323, 27814525, 393868763, -100116196, 238211891, 203060111, 23156602, 0),
}
# 事業別損益計算書 相殺等
ELIM_4150 = 28726100      # 負担金収入
ELIM_4160 = 904210        # 事業収入
# 損益計算書 当期純利益
NET_INCOME = 560840373

# キャッシュ・フロー計算書 (direct method), signs restored
CF = {
    'op.jigyo_futankin': 302835900,
    'op.kofukin': 39248352322,
    'op.futankin': 6037091911,
    'op.jigyo': 6740147651,
    'op.tesuryo': 6125343679,
    'op.hojokin': 224800000,
    'op.hakko': 9989400,
    'op.other_in': 178792982634,
    'op.personnel': -2536859276,
    'op.outsourcing': -30520396696,
    'op.other_out': -14578916604,
    'op.interest_in': 806227,
    'op.interest_out': -71174749,
    'op.tax': -70000,
    'inv.ppe_out': -994439708,
    'inv.intangible_out': -52941592,
    'inv.securities_out': -100000000,
    'inv.ppe_sale': 102300,
    'inv.deposit_out': -41826000000,
    'inv.deposit_in': 42256000000,
    'inv.other_out': -1006300,
    'inv.other_in': 76853300,
    'fin.lease_repay': -2974347648,
}
CASH_OPEN = 31770729071            # キャッシュ・フロー計算書 現金及び現金同等物期首残高
CASH_CLOSE = 217929881822          # キャッシュ・フロー計算書 現金及び現金同等物期末残高
TIME_DEPOSIT_OPEN = CF['inv.deposit_in'] + CF['inv.deposit_out']   # 430,000,000 (closing 0: 注記_現金及び現金同等物)

# 純資産変動計算書
NA_OPEN = {'3100': 134000000, '3210': 5402050907, '3220': 942097778, '3230': 191729000}   # 当期首残高
DEV_TRANSFER = 682000000           # システム開発積立金の積立 (令和元年度利益の処分)
DEV_RELEASE = 55000000             # システム開発積立金の取崩
# 利益の処分に関する書類
APPROP_DEV = 526000000             # システム開発積立金
APPROP_RESERVE = 34840373          # 積立金 (residual; computed by the engine)

# 注記_事業費 (事業費の主要な費目)
NOTE_JIGYOHI = {'5110': 62126480962, '5120': 10763141561, '5130': 4397785784, '5140': 2379079645,
                '5150': 1750423555, '5160': 1549284609, '5170': 949318150}
# 注記_一般管理費 (一般管理費の主要な費目)
NOTE_IPPAN = {'5210': 277110848, '5220': 275176430, '5230': 129533746, '5240': 69891889,
              '5250': 20401160, '5260': 18541396, '5270': 9990319}
JIGYOHI_TOTAL = 85562560429        # 損益計算書 事業費
IPPAN_TOTAL = 819612033            # 損益計算書 一般管理費

# 有形固定資産等明細書 (cost basis; ソフトウェア on the direct write-off basis)
BLD = dict(open=480744699, inc=1321146985, dec=97826497, acc_close=352996060, dep=52649081)
EQP = dict(open=101878741, inc=91741963, dec=10428871, acc_close=81065368, dep=17102666)
LST = dict(open=11197026303, inc=765488632, dec=7402068159, acc_close=1751529043, dep=2174047727)
SFT = dict(open=156817712, inc=19356832, dep=60011753)
LSI = dict(open=351681432, inc=0, dec=21172880, acc_close=124192920, dep=67545228)
# 有形固定資産等明細書: the printed 当期末残高 and 差引当期末残高 of each row, and the 計 rows
# (建設仮勘定 and 電話加入権 are not listed; ソフトウェア 当期末残高 = 期首 + 増加, direct write-off)
FA_ROW_CLOSE = {'建物': (1704065187, 1351069127), '備品': (183191833, 102126465),
                '有形固定資産/リース資産': (4560446776, 2808917733), 'ソフトウェア': (176174544, 116162791),
                '無形固定資産/リース資産': (330508552, 206315632)}
# 計 rows: (当期首残高, 当期増加額, 当期減少額, 当期末残高, 累計, 当期償却額, 差引当期末残高)
FA_TANGIBLE_TOTAL = (11779649743, 2178377580, 7510323527, 6447703796, 2185590471, 2243799474, 4262113325)
FA_INTANGIBLE_TOTAL = (508499144, 19356832, 21172880, 506683096, 124192920, 127556981, 322478423)
ACC_DEP_NOTE = 2185590471          # 注記_減価償却累計額 有形固定資産の減価償却累計額
# 注記_固定資産除却損
LOSS_BLD, LOSS_EQP, LOSS_LEASE = 27094304, 380389, 3498525
LOSS_TOTAL = 30973218              # 注記_固定資産除却損 計
# 引当金明細書 (当期首残高, 当期増加額, 当期減少額(目的使用), 当期末残高)
PROV_BONUS = (118241892, 129278810, 118241892, 129278810)
PROV_EXEC_BONUS = (6621116, 9917040, 6621116, 9917040)
PROV_RETIRE = (689464876, 66624612, 31049642, 725039846)
PROV_EXEC_RETIRE = (12386400, 8572800, 0, 20959200)
PROV_OTHER = 0                     # 当期減少額(その他): 0 on every row
PROV_TOTAL = (826714284, 214393262, 155912650, 885194896)   # 引当金明細書 合計
# 注記_*積立金 (期首残高, 増加額, 減少額)
RES_JUKI = (5626451982, 2868537000, 802849997)
RES_SEC = (600000000, 200000000, 0)
RES_NEXT = (180000000, 200000000, 0)
RES_CLOSE = {'2240': 7692138985, '2250': 800000000, '2260': 380000000}   # 期末残高 (= 負債性積立金の内容)
RES_CONTENTS_TOTAL = 8872138985    # 負債性積立金の内容 合計
# 注記_資産除去債務の増減
ARO = dict(open=431478093, add=326326721, accretion=10494557, settle=17600000)
ARO_CLOSE_TOTAL = 750699371        # 期末残高 (= 資産除去債務明細書 当期末残高)
ARO_SCHEDULE_INC = 336821278       # 資産除去債務明細書 当期増加額 (取得 + 時の経過)
# 借入金等明細書 (リース債務 当期首残高) and 注記_重要な非資金取引
LEASE_CUR_OPEN, LEASE_NC_OPEN = 1802389801, 2398799621
NEW_LEASES = 765488632
# 様式第16号 長期前受金の内容及び金額: one account per 内容 (2211-2219), year-end amount and the
# segment whose 長期前受金 holds it (住基ネット items: 本人確認; JPKI: 公的個人認証; LGWAN: 総合行政NW;
# the three デジタル基盤改革支援基金 items: デジタル; 施設設備の整備: several segments, below).
DEFERRED = {
    '2211': ('住基ネットシステムの機器更改', 451670927, R),
    '2212': ('符号生成のための住民票コード提供に係る経費', 1240586150, R),
    '2213': ('住基ネットシステムの機器更改(第4回)', 450000000, R),
    '2214': ('次期JPKIシステムの更改', 1500000000, J),
    '2215': ('次期LGWANシステムの更改(第五次)', 250000000, L),
    '2216': ('自治体情報システムの標準化・共通化支援', 150862754442, D),
    '2217': ('地方の行政手続オンライン化', 24989750000, D),
    '2218': ('次期自治体情報セキュリティクラウド移行支援', 2934680000, D),
    '2219': ('次期機器更改に係る施設設備の整備', 804262178, None),
}
DEFERRED_TOTAL = 183483703697      # 長期前受金の内容 合計
DIGITAL_ITEMS = [(DEFERRED[a][0], DEFERRED[a][1], a) for a in ('2216', '2217', '2218')]
# 長期前受金の内容: 次期機器更改に係る施設設備の整備 (804,262,178); its segment parts are the
# segment 長期前受金 less the other published items of that segment:
#   本人確認 2,560,158,031 - 451,670,927 - 1,240,586,150 - 450,000,000 = 417,900,954
#   公的個人認証 1,637,436,912 - 1,500,000,000 (次期JPKIシステムの更改) = 137,436,912
#   総合行政NW 314,794,073 - 250,000,000 (次期LGWANシステムの更改(第五次)) = 64,794,073
#   個人番号カード 143,330,066, 中間サーバー 40,800,173 (no other item)
FACILITY_ITEM = DEFERRED['2219'][1]
# 有価証券明細書: bonds held at year end (2 x 100,000,000); one bought during the year.
BONDS = {'1511': ('5年第24回地方公共団体金融機構債券', 100000000),
         '1512': ('5年第28回地方公共団体金融機構債券', 100000000)}
BOND_PURCHASE = -CF['inv.securities_out']
# 様式第16号 補助金等の明細: 助成金 (交付者 一般財団法人 全国市町村振興協会):
# (当期首残高, 当期増加額, 当期減少額, 当期末残高)
SUBSIDY = (0, 224800000, 224800000, 0)

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def alloc(total, weights):
    """Split integer `total` in proportion to `weights` (largest remainder)."""
    tw = sum(weights)
    assert tw > 0, weights
    raw = [total * w / tw for w in weights]
    out = [int(x // 1) for x in raw]
    rest = total - sum(out)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    assert sum(out) == total
    return out


def alloc_capped(total, weights, caps):
    """Like alloc, but no share exceeds its cap (capped shares are fixed, the rest re-split)."""
    fixed = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        share = alloc(total - sum(fixed.values()), [weights[i] for i in free])
        over = [i for i, v in zip(free, share) if v > caps[i]]
        if not over:
            out = [0] * len(weights)
            for i, v in fixed.items():
                out[i] = v
            for i, v in zip(free, share):
                out[i] = v
            return out
        for i in over:
            fixed[i] = caps[i]


Q_END = ['2020-06-30', '2020-09-30', '2020-12-31', '2021-03-31']
Q_NAME = ['第1四半期', '第2四半期', '第3四半期', '第4四半期']
FY_END = '2021-03-31'


def split4(total):
    """Quarterly split: 3 equal quarters (rounded down to 1,000 yen), remainder in Q4."""
    if abs(total) < 4000:
        return [0, 0, 0, total]
    q = int(total / 4 / 1000) * 1000
    return [q, q, q, total - 3 * q]


class Entry:
    def __init__(self, date, kind, memo, order=50):
        self.date, self.kind, self.memo, self.order = date, kind, memo, order
        self.rows = []

    def add(self, seg, acct, amount, flow=None, partner=None):
        if amount:
            self.rows.append((seg, acct, int(amount), flow, partner))
        return self


ENTRIES: list[Entry] = []


def entry(date, kind, memo, order=50):
    e = Entry(date, kind, memo, order)
    ENTRIES.append(e)
    return e


# ---------------------------------------------------------------------------------------------
# Year-end balances per (segment, account), journal sign (debit +), excluding contra /
# sub-account splits that are decided below.
# ---------------------------------------------------------------------------------------------
CLOSE = defaultdict(int)      # (seg, acct) -> closing balance, journal sign


def set_close(acct, values, sign=+1):
    for s, v in enumerate(values):
        CLOSE[(s, acct)] += sign * v


set_close('1110', BS['現金及び預金'])
set_close('1120', (0,) * 8)
set_close('1210', BS['未収金'])
set_close('1220', BS['前払金'])
set_close('1230', BS['貯蔵品'])
set_close('1330', BS['建設仮勘定'])
set_close('1410', BS['電話加入権'])
set_close('1420', BS['ソフトウェア'])
# 投資有価証券 by bond (有価証券明細書): both held by 一般事業, whose BS line is their sum
assert BS['投資有価証券'] == (sum(v for _, v in BONDS.values()),) + (0,) * 7
for a, (_, v) in BONDS.items():
    CLOSE[(G, a)] = v
set_close('1520', BS['保証金'])
set_close('2110', BS['未払金'], -1)
set_close('2120', BS['未払法人住民税等'], -1)
set_close('2130', BS['預り金'], -1)
set_close('2140', BS['賞与引当金'], -1)
set_close('2150', BS['役員賞与引当金'], -1)
set_close('2160', BS['流動負債/リース債務'], -1)
set_close('2135', (0,) * 8, -1)          # 預り補助金等: nil at year end (補助金等の明細)
# 長期前受金 by 内容: the single-segment items; 施設設備の整備 (2219) is each segment's remainder
for a, (_, v, s) in DEFERRED.items():
    if s is not None:
        CLOSE[(s, a)] = -v
facility_close = [BS['長期前受金'][s] - sum(v for a, (_, v, s2) in DEFERRED.items() if s2 == s)
                  for s in range(8)]
assert all(x >= 0 for x in facility_close) and sum(facility_close) == FACILITY_ITEM, facility_close
set_close('2219', facility_close, -1)
assert sum(BS['長期前受金']) == DEFERRED_TOTAL == sum(v for _, v, _ in DEFERRED.values())
set_close('2220', BS['退職給付引当金'], -1)
set_close('2230', BS['役員退職引当金'], -1)
set_close('2240', BS['住基ネット再構築平準化等積立金'], -1)
set_close('2250', BS['セキュリティ強化等積立金'], -1)
set_close('2260', BS['次期システム更改積立金'], -1)
set_close('2270', BS['固定負債/リース債務'], -1)
set_close('2280', BS['資産除去債務'], -1)
set_close('3100', BS['地方公共団体出資金'], -1)
set_close('3210', BS['積立金'], -1)
set_close('3220', BS['公的個人認証サービス事業財政調整積立金'], -1)
set_close('3230', BS['システム開発積立金'], -1)

# =============================================================================================
# 1. Fixed assets (有形固定資産等明細書, 注記_固定資産除却損) by segment
# =============================================================================================
# ASSUMPTION A1 (除却損 by class and segment): 本人確認関連 1,349,722 and part of 個人番号カード
# (2,148,803) are リース資産; 総合行政NW's 380,389 is 備品 (+262,622 建物); the rest is 建物.
# Booked to 5811 (建物), 5812 (備品), 5813 (リース資産).
LOSS = {
    'lease': [0, 0, 0, 2148803, 0, 0, 1349722, 0],
    'eqp': [0, 0, 0, 0, 0, 380389, 0, 0],
}
LOSS['bld'] = [PL['固定資産除却損'][s] - LOSS['lease'][s] - LOSS['eqp'][s] for s in range(8)]
assert sum(LOSS['bld']) == LOSS_BLD and sum(LOSS['eqp']) == LOSS_EQP and sum(LOSS['lease']) == LOSS_LEASE
assert all(x >= 0 for x in LOSS['bld'])

# --- 建物 -------------------------------------------------------------------------------------
B_NET = list(BS['建物'])
# ASSUMPTION A2: the year's additions (施設設備の整備 1,321,146,985) and depreciation are shared
# in proportion to each segment's year-end net 建物; the ARO part of the additions (326,326,721)
# in proportion to each segment's year-end 資産除去債務.
bld_add = alloc(BLD['inc'], B_NET)
aro_add = alloc(ARO['add'], BS['資産除去債務'])
bld_cash_add = [bld_add[s] - aro_add[s] for s in range(8)]
assert all(x >= 0 for x in bld_cash_add)
bld_dep = alloc(BLD['dep'], B_NET)
# disposals: cost in proportion to the loss; accumulated depreciation removed = cost - loss
bld_disp = alloc(BLD['dec'], LOSS['bld'])
bld_disp_acc = [bld_disp[s] - LOSS['bld'][s] for s in range(8)]
bld_net_open = [B_NET[s] - bld_add[s] + bld_dep[s] + LOSS['bld'][s] for s in range(8)]
BLD_ACC_OPEN = BLD['acc_close'] - BLD['dep'] + sum(bld_disp_acc)          # 371,079,172
assert sum(bld_net_open) == BLD['open'] - BLD_ACC_OPEN
# ASSUMPTION A3: opening accumulated depreciation beyond the disposed assets shared by opening net.
bld_acc_open = [bld_disp_acc[s] + x for s, x in
                enumerate(alloc(BLD_ACC_OPEN - sum(bld_disp_acc), bld_net_open))]
bld_cost_open = [bld_net_open[s] + bld_acc_open[s] for s in range(8)]
assert sum(bld_cost_open) == BLD['open']
for s in range(8):
    CLOSE[(s, '1310')] = bld_cost_open[s] + bld_add[s] - bld_disp[s]
    CLOSE[(s, '1311')] = B_NET[s] - CLOSE[(s, '1310')]

# --- 備品 -------------------------------------------------------------------------------------
E_NET = list(BS['備品'])
eqp_add = alloc(EQP['inc'], E_NET)
eqp_dep = alloc(EQP['dep'], E_NET)
# ASSUMPTION A4: 備品 disposals: 一般事業 sold fully depreciated equipment (cost 1,250,000) for
# 102,300 (= 固定資産売却益 and 有形固定資産売却による収入); 総合行政NW scrapped the rest.
EQP_SOLD_COST = 1250000
eqp_disp = [EQP_SOLD_COST, 0, 0, 0, 0, EQP['dec'] - EQP_SOLD_COST, 0, 0]
eqp_disp_acc = [eqp_disp[s] - LOSS['eqp'][s] for s in range(8)]
eqp_net_open = [E_NET[s] - eqp_add[s] + eqp_dep[s] + LOSS['eqp'][s] for s in range(8)]
EQP_ACC_OPEN = EQP['acc_close'] - EQP['dep'] + sum(eqp_disp_acc)          # 74,011,184
assert sum(eqp_net_open) == EQP['open'] - EQP_ACC_OPEN
eqp_acc_open = [eqp_disp_acc[s] + x for s, x in
                enumerate(alloc(EQP_ACC_OPEN - sum(eqp_disp_acc), eqp_net_open))]
for s in range(8):
    cost_open = eqp_net_open[s] + eqp_acc_open[s]
    CLOSE[(s, '1320')] = cost_open + eqp_add[s] - eqp_disp[s]
    CLOSE[(s, '1321')] = E_NET[s] - CLOSE[(s, '1320')]

# --- リース資産 / リース債務 --------------------------------------------------------------------
NL = list(BS['有形固定資産/リース資産'])
DEBT_CLOSE = [BS['流動負債/リース債務'][s] + BS['固定負債/リース債務'][s] for s in range(8)]
# ASSUMPTION A5: new finance leases (765,488,632) by segment.
lease_new = [45488632, 180000000, 0, 0, 0, 60000000, 480000000, 0]
assert sum(lease_new) == NEW_LEASES
# ASSUMPTION A6: opening lease debt by segment (借入金等明細書 total 4,201,189,422); 公的個人認証
# takes the remainder (its 支払利息 27.7M and 個人番号カード's 15.8M imply large average debt).
LEASE_DEBT_OPEN_TOTAL = LEASE_CUR_OPEN + LEASE_NC_OPEN
debt_open = [420000000, 700000000, None, 900000000, 600000, 75000000, 440000000, 0]
debt_open[J] = LEASE_DEBT_OPEN_TOTAL - sum(x for x in debt_open if x is not None)
lease_repay = [debt_open[s] + lease_new[s] - DEBT_CLOSE[s] for s in range(8)]   # principal
LEASE_PRINCIPAL = sum(lease_repay)
LEASE_IN_AP = -CF['fin.lease_repay'] - LEASE_PRINCIPAL       # 731,472,273 (see ASSUMPTION A7)
assert LEASE_PRINCIPAL == LEASE_DEBT_OPEN_TOTAL + NEW_LEASES - sum(DEBT_CLOSE)
assert all(x >= 0 for x in lease_repay)
# ASSUMPTION A7: the 731,472,273 by which the repayments (2,974,347,648) exceed the fall in the
# lease debt are 3月分 instalments that were due at 令和2年3月31日 and carried in 未払金 (so
# they were no longer in the 借入金等明細書 opening balance); paid in April, by segment in
# proportion to the year's principal repayments.
lease_ap_open = alloc(LEASE_IN_AP, lease_repay)
# ASSUMPTION A9: expired (fully depreciated except the 除却損) tangible leases by segment.
lst_disp = [600000000, 1500000000, 2800000000, 2200000000, 0, 2068159, 300000000, 0]
assert sum(lst_disp) == LST['dec']
# ASSUMPTION A10: the expired leases ran LEASE_EXPIRY_MONTHS into the year (their terms of 60
# months ended in September) and were removed at the year end.
LEASE_EXPIRY_MONTHS = 6
lst_dep_expired = [lst_disp[s] * LEASE_EXPIRY_MONTHS // 60 for s in range(8)]
# ASSUMPTION A8: the depreciation of the other leased assets is shared in proportion to the
# segments' year-end net lease assets (a lease asset runs down over its term, so the charge
# follows what is left of it); 本人確認's share covers its intangible leases first.
lease_dep_all = [lst_dep_expired[s] + x for s, x in enumerate(
    alloc(LST['dep'] + LSI['dep'] - sum(lst_dep_expired), [NL[s] + BS['無形固定資産/リース資産'][s] for s in range(8)]))]
lsi_dep = [0] * 8
lsi_dep[R] = LSI['dep']
lst_dep = [lease_dep_all[s] - lsi_dep[s] for s in range(8)]
assert sum(lst_dep) == LST['dep'] and all(x >= 0 for x in lst_dep)
lst_disp_acc = [lst_disp[s] - LOSS['lease'][s] for s in range(8)]
# ASSUMPTION A10 (continued): year-end accumulated depreciation of leased assets is shared in
# proportion to the year's depreciation of the other leases (so that it always covers at least
# that year's charge).
lst_acc_close = alloc(LST['acc_close'], [lst_dep[s] - lst_dep_expired[s] for s in range(8)])
assert all(lst_acc_close[s] >= lst_dep[s] - lst_dep_expired[s] for s in range(8))
for s in range(8):
    CLOSE[(s, '1341')] = -lst_acc_close[s]
    CLOSE[(s, '1340')] = NL[s] + lst_acc_close[s]
lst_cost_open = [CLOSE[(s, '1340')] - lease_new[s] + lst_disp[s] for s in range(8)]
assert sum(lst_cost_open) == LST['open']
# intangible leases: 本人確認 only (its year-end 無形リース資産); the expired one was fully amortised.
CLOSE[(R, '1431')] = -LSI['acc_close']
CLOSE[(R, '1430')] = BS['無形固定資産/リース資産'][R] + LSI['acc_close']
assert CLOSE[(R, '1430')] == LSI['open'] - LSI['dec']
# ASSUMPTION A11: opening current portion (1,802,389,801) in proportion to the year's repayments.
lease_cur_open = alloc(LEASE_CUR_OPEN, lease_repay)
assert all(lease_cur_open[s] <= debt_open[s] for s in range(8))

# --- 資産除去債務 / 保証金 -------------------------------------------------------------------------
ARO_CLOSE = list(BS['資産除去債務'])
# ASSUMPTION A12: the year's 時の経過 in proportion to (year-end ARO - additions); the 履行
# (17,600,000) relates to 一般事業's vacated office and was deducted from its deposit refund.
aro_accr = alloc(ARO['accretion'], [ARO_CLOSE[s] - aro_add[s] for s in range(8)])
# ASSUMPTION A13: 保証金: 一般事業's vacated office refunded 76,853,300 net of the 原状回復
# 17,600,000 (その他投資活動による収入); a new deposit of 1,006,300 for 総合行政NW (その他投資活動
# による支出); and the 保証金の回収不能見込額 charged for the year (7,723,190) in 事業費/減価償却費.
DEPOSIT_REFUND = CF['inv.other_in']
DEPOSIT_NEW = -CF['inv.other_out']
DEP_SCHEDULE_TOTAL = BLD['dep'] + EQP['dep'] + LST['dep'] + SFT['dep'] + LSI['dep']   # 2,371,356,455
DEPOSIT_AMORT = NOTE_JIGYOHI['5140'] - DEP_SCHEDULE_TOTAL                                # 7,723,190
deposit_amort = alloc(DEPOSIT_AMORT, BS['保証金'])

# --- ソフトウェア (一般事業, direct write-off) ---------------------------------------------------
# 無形固定資産取得による支出 52,941,592 = this year's software 19,356,832 + 33,584,760 of software
# delivered in 令和元年度 and unpaid at 令和2年3月31日 (ASSUMPTION A14).
SOFT_AP_OPEN = -CF['inv.intangible_out'] - SFT['inc']

# --- 建設仮勘定 / capex payables ----------------------------------------------------------------
CIP = list(BS['建設仮勘定'])
# ASSUMPTION A15: 建設仮勘定 opens at 0 and is wholly unpaid (未払金) at year end; the further
# unpaid capex at year end (有形固定資産の増加 - 有形固定資産取得による支出 - 建設仮勘定) is
# shared by the segments' cash-paid 建物 additions.
PPE_ACCRUED = sum(bld_cash_add) + EQP['inc'] + sum(CIP)
PPE_UNPAID_BLD = PPE_ACCRUED + CF['inv.ppe_out'] - sum(CIP)            # 92,122,519
bld_unpaid = alloc(PPE_UNPAID_BLD, bld_cash_add)
ppe_paid = [bld_cash_add[s] - bld_unpaid[s] + eqp_add[s] for s in range(8)]
assert sum(ppe_paid) == -CF['inv.ppe_out']

# =============================================================================================
# 2. Personnel and provisions (引当金明細書, 注記_退職給付引当金の調整表, 注記_一般管理費)
# =============================================================================================
STAFF_KEY = list(BS['賞与引当金'])               # ASSUMPTION A16: staff cost key = year-end 賞与引当金
GA = list(PL['一般管理費'])

# provisions: opening by segment in proportion to the year-end balance (ASSUMPTION A18)
bonus_close = list(BS['賞与引当金'])
bonus_open = alloc(PROV_BONUS[0], bonus_close)
ebonus_close = list(BS['役員賞与引当金'])
ebonus_open = alloc(PROV_EXEC_BONUS[0], ebonus_close)
ret_close = list(BS['退職給付引当金'])
ret_open = alloc(PROV_RETIRE[0], ret_close)
ret_paid = alloc(PROV_RETIRE[2], ret_open)
ret_exp = [ret_close[s] - ret_open[s] + ret_paid[s] for s in range(8)]
assert sum(ret_exp) == PROV_RETIRE[1]
eret_close = list(BS['役員退職引当金'])
eret_open = alloc(PROV_EXEC_RETIRE[0], eret_close)
eret_exp = [eret_close[s] - eret_open[s] for s in range(8)]
assert sum(eret_exp) == PROV_EXEC_RETIRE[1] and all(x >= 0 for x in eret_exp)
# ASSUMPTION A17: each 一般管理費 費目 of the note is shared in proportion to the segment's
# 一般管理費, except that 退職給付費用 (all of it is the provision charge) is capped at the
# segment's 退職給付引当金 charge (個人番号カード); 5290 (その他) is the remainder of each segment.
ga_acct = {a: alloc(v, GA) for a, v in NOTE_IPPAN.items()}
ga_acct['5260'] = alloc_capped(NOTE_IPPAN['5260'], GA, ret_exp)
ga_acct['5290'] = [GA[s] - sum(ga_acct[a][s] for a in NOTE_IPPAN) for s in range(8)]
assert sum(ga_acct['5290']) == IPPAN_TOTAL - sum(NOTE_IPPAN.values())
assert all(x >= 0 for x in ga_acct['5290'])
j5160 = alloc(NOTE_JIGYOHI['5160'], STAFF_KEY)
# bonus charge split 事業費/一般管理費 by the segment's 人件費 split
bonus_ga = [round(bonus_close[s] * ga_acct['5210'][s] / (ga_acct['5210'][s] + j5160[s]))
            if bonus_close[s] else 0 for s in range(8)]
bonus_jg = [bonus_close[s] - bonus_ga[s] for s in range(8)]
ret_ga = ga_acct['5260']                                   # 退職給付費用 (一般管理費) is all provision
ret_jg = [ret_exp[s] - ret_ga[s] for s in range(8)]
assert all(x >= 0 for x in ret_jg)
# cash-paid parts of the personnel 費目
cash_5160 = [j5160[s] - bonus_jg[s] - ret_jg[s] for s in range(8)]
cash_5210 = [ga_acct['5210'][s] - bonus_ga[s] for s in range(8)]
cash_5230 = [ga_acct['5230'][s] - ebonus_close[s] - eret_exp[s] for s in range(8)]
cash_5250 = ga_acct['5250']
assert all(min(x) >= 0 for x in (cash_5160, cash_5210, cash_5230))
PROV_USES = PROV_BONUS[2] + PROV_EXEC_BONUS[2] + PROV_RETIRE[2] + PROV_EXEC_RETIRE[2]
HOUSING = sum(PL['4530'])
# ASSUMPTION A19: 人件費の支出 also covers 法定福利費・福利厚生費 etc. booked in 事業費/その他;
# their amount is the balancing figure of 人件費の支出 (借上住宅使用料 is withheld from salaries).
PERS_5190 = (-CF['op.personnel'] + HOUSING - PROV_USES
             - sum(cash_5160) - sum(cash_5210) - sum(cash_5230) - sum(cash_5250))
pers_5190 = alloc(PERS_5190, STAFF_KEY)

# =============================================================================================
# 3. 事業費 by 費目 and segment (注記_事業費)
# =============================================================================================
dep_total = [bld_dep[s] + eqp_dep[s] + lst_dep[s] + lsi_dep[s] for s in range(8)]
dep_total[G] += SFT['dep']
j5140 = [dep_total[s] + deposit_amort[s] for s in range(8)]
assert sum(j5140) == NOTE_JIGYOHI['5140']

# inter-segment (相殺等) 事業費: ASSUMPTION A20
# LGWAN 負担金 (LGWAN 接続負担金) charged by 総合行政NW to 本人確認/公的個人認証/個人番号カード/
# 中間サーバー (事業費/通信運搬費), billed quarterly, settled by 事業間資金移動 within the quarter
# except 中間サーバー's Q4 bill; 一般事業 charges 本人確認 904,210 (事業収入; システム監査支援)
# billed in March and unsettled at year end.
LG_CHARGE = {R: 7577296, J: 7577294, C: 7577294, M: 5994216}
assert sum(LG_CHARGE.values()) == ELIM_4150
GEN_CHARGE = {R: ELIM_4160}
lg_q = {s: ([v // 4] * 3 + [v - 3 * (v // 4)]) for s, v in LG_CHARGE.items()}
UNSETTLED = lg_q[M][3] + GEN_CHARGE[R]
assert UNSETTLED == ELIM_AR_AP, (UNSETTLED, ELIM_AR_AP)
partner_exp = [0] * 8
for s, v in LG_CHARGE.items():
    partner_exp[s] += v
for s, v in GEN_CHARGE.items():
    partner_exp[s] += v

# 他事業勘定 at year end: ASSUMPTION A21 — opening 他事業勘定 is nil; the year-end balances are
# expenses of the debtor segment (事業費/委託費) paid in March by the creditor segment.
TATEKAE = [  # (debtor, creditor, amount)
    (D, G, 1245558),
    (RR, R, 16383655),
    (L, G, 40661692),
    (J, G, 14039299),
    (J, M, 87346803),
    (J, R, 304221647),
    (J, C, 693765680),
]
_chk = [0] * 8
for d_, c_, v in TATEKAE:
    _chk[d_] += v
    _chk[c_] -= v
assert tuple(_chk) == BS['他事業勘定'], _chk
tatekae_exp = [0] * 8
for d_, c_, v in TATEKAE:
    tatekae_exp[d_] += v

# prepaid / stores roll (ASSUMPTION A22: opening 前払金 and 貯蔵品 equal the year-end amounts;
# expensed in April, renewed in March)
PREPAID = list(BS['前払金'])
STORES = list(BS['貯蔵品'])

# ASSUMPTION A23: other 事業費 費目 by segment (shares of the note's entity total).
W = {  # weights in millions of yen, SEGS order
    '5120': [563, 700, 300, 7600, 600, 700, 300, 0],
    '5130': [348, 1500, 900, 400, 700, 250, 300, 0],
    '5150': [200, 450, 250, 400, 200, 150, 100, 0],
    '5170': [330, 420, 49, 0, 0, 0, 150, 0],
}
jg = {a: alloc(NOTE_JIGYOHI[a], W[a]) for a in W}
jg['5140'] = j5140
jg['5160'] = j5160
J5190_TOTAL = JIGYOHI_TOTAL - sum(NOTE_JIGYOHI.values())
prepaid_jg = [0, PREPAID[R], 0, 0, 0, 0, 0, 0]        # 本人確認's prepaid → 事業費/その他
prepaid_ga = [PREPAID[G], 0, 0, 0, 0, 0, 0, 0]        # 一般事業's prepaid → 一般管理費/その他
stores_ga = [STORES[G], 0, 0, 0, 0, 0, 0, 0]          # 貯蔵品 → 一般管理費/消耗品費
OTHER_5190 = J5190_TOTAL - PERS_5190 - ARO['accretion'] - sum(prepaid_jg)
other_5190 = alloc(OTHER_5190, [PL['事業費'][s] if s != D else 0 for s in range(8)])
jg['5190'] = [pers_5190[s] + aro_accr[s] + prepaid_jg[s] + other_5190[s] for s in range(8)]
jg['5110'] = [PL['事業費'][s] - partner_exp[s] - sum(jg[a][s] for a in jg if a != '5110')
              for s in range(8)]
assert sum(jg['5110']) == NOTE_JIGYOHI['5110'], sum(jg['5110']) - NOTE_JIGYOHI['5110']
assert all(jg['5110'][s] >= tatekae_exp[s] for s in range(8))
assert all(ga_acct['5290'][s] >= prepaid_ga[s] for s in range(8))
assert all(ga_acct['5270'][s] >= stores_ga[s] for s in range(8))

# =============================================================================================
# 4. Receivables and collections
# =============================================================================================
REV_FLOW = {'4110': 'op.jigyo_futankin', '4120': 'op.kofukin', '4130': 'op.kofukin',
            '4140': 'op.futankin', '4150': 'op.futankin', '4160': 'op.jigyo',
            '4170': 'op.tesuryo', '4180': 'op.tesuryo', '4200': 'op.tesuryo',
            '4190': 'op.hakko', '4520': 'op.interest_in', '4540': 'op.other_in'}
# revenue accrued on credit (external part)
acc_rev = {a: list(PL[a]) for a in REV_FLOW}
acc_rev['4150'][L] -= ELIM_4150
acc_rev['4160'][G] -= ELIM_4160
accrued_by_flow = defaultdict(lambda: [0] * 8)
for a, f in REV_FLOW.items():
    for s in range(8):
        accrued_by_flow[f][s] += acc_rev[a][s]

# 長期前受金 received in cash this year (次期機器更改に係る施設設備の整備, other than 本人確認's
# share transferred from the 住基ネット積立金): ASSUMPTION A24 — 公的個人認証 and 総合行政NW received
# it as 負担金, 個人番号カード and 中間サーバー as 交付金.
FAC_FUND = {J: ('op.futankin', 137436912), L: ('op.futankin', 64794073),
            C: ('op.kofukin', 143330066), M: ('op.kofukin', 40800173)}
RES_TO_LTDEFERRED = RES_JUKI[2] - PL['4230'][R]          # 417,900,954
assert sum(v for _, v in FAC_FUND.values()) + RES_TO_LTDEFERRED == FACILITY_ITEM

# non-operating cash receipts (その他の営業収入 besides the fund): 消費税還付金, 雑収入 and part
# of 動作確認ICカード作成料 (ASSUMPTION A25)
DIGITAL_RECEIPT = BS['現金及び預金'][D]
OTHER_IN_SMALL = CF['op.other_in'] - DIGITAL_RECEIPT                           # 4,552,634
IC_COLLECTED = OTHER_IN_SMALL - sum(PL['4550']) - sum(PL['4560'])              # 2,008,952
assert 0 <= IC_COLLECTED <= sum(PL['4540'])
INTEREST_SECURITIES_CASH = CF['op.interest_in'] - sum(PL['4510'])              # 25,994 of 27,398

# collections needed per flow (excluding direct-cash and 長期前受金 receipts)
need = {
    'op.jigyo_futankin': CF['op.jigyo_futankin'],
    'op.kofukin': CF['op.kofukin'] - sum(v for f, v in FAC_FUND.values() if f == 'op.kofukin'),
    'op.futankin': CF['op.futankin'] - sum(v for f, v in FAC_FUND.values() if f == 'op.futankin'),
    'op.jigyo': CF['op.jigyo'],
    'op.tesuryo': CF['op.tesuryo'],
    'op.hakko': CF['op.hakko'],
    'op.interest_in': INTEREST_SECURITIES_CASH,
    'op.other_in': IC_COLLECTED,
}
# ASSUMPTION A26: increase of receivables (accrued - collected) by segment and flow; the
# segment marked None takes the remainder.
DELTA = {
    'op.jigyo_futankin': [0, 0, 0, 0, 0, 0, 0, 0],
    'op.kofukin': [0, 0, 400000000, None, -300000000, 0, 0, 0],
    'op.futankin': [-15000000, -250000000, -420000000, 0, 0, -400000000, None, 0],
    'op.jigyo': [1250000000, None, 0, 0, 0, 0, 120000000, 0],
    'op.tesuryo': [0, None, 20000000, 0, 0, 0, 0, 0],
    'op.hakko': [0, 0, None, 0, 0, 0, 0, 0],
    'op.interest_in': [None, 0, 0, 0, 0, 0, 0, 0],
    'op.other_in': [0, 0, None, 0, 0, 0, 0, 0],
}
collect = {}
for f, dl in DELTA.items():
    tot_delta = sum(accrued_by_flow[f]) - need[f]
    known = sum(x for x in dl if x is not None)
    dl = [tot_delta - known if x is None else x for x in dl]
    collect[f] = [accrued_by_flow[f][s] - dl[s] for s in range(8)]
    assert sum(collect[f]) == need[f]
    assert all(x >= 0 for x in collect[f]), (f, collect[f])

# =============================================================================================
# 5. Journal
# =============================================================================================
# ASSUMPTION A33: operating transactions are booked as quarterly aggregates dated at the quarter
# end (3 equal quarters rounded down to 1,000 yen, remainder in Q4); balances of the previous
# year are settled in April/May.  ASSUMPTION A34: accounts with no movement published or implied
# (預り金, 電話加入権, 地方公共団体出資金, 公的個人認証サービス事業財政調整積立金) open at their
# year-end balance; 投資有価証券 opens at 100,000,000 (第24回債) and the 第28回債 is bought at par.
QA = [0, 1, 2, 3]


def by_quarter(total):
    return split4(total)


# --- 5.1 利益の処分 (令和元年度) and システム開発積立金 ------------------------------------------------
# ASSUMPTION A27: opening システム開発積立金 191,729,000 all in 一般事業; the 682,000,000 went to
# 一般事業 140,000,000 / 公的個人認証 342,000,000 / 総合行政NW 200,000,000 (= year-end balances
# after the 55,000,000 release in 一般事業).
dev_transfer = [140000000, 0, 342000000, 0, 0, 200000000, 0, 0]
assert sum(dev_transfer) == DEV_TRANSFER
dev_open = [NA_OPEN['3230'], 0, 0, 0, 0, 0, 0, 0]
dev_release = [DEV_RELEASE, 0, 0, 0, 0, 0, 0, 0]
assert all(dev_open[s] + dev_transfer[s] - dev_release[s] == BS['システム開発積立金'][s] for s in range(8))
e = entry('2020-06-26', 'appropriation', '令和元年度利益の処分 システム開発積立金への積立 (代表者会議承認)')
for s in range(8):
    e.add(s, '3210', dev_transfer[s], 'dev_reserve_transfer')
    e.add(s, '3230', -dev_transfer[s], 'dev_reserve_transfer')
e = entry('2021-03-31', 'regular', 'システム開発積立金の取崩 (システム開発経費への充当)', order=40)
e.add(G, '3230', DEV_RELEASE, 'dev_reserve_release')
e.add(G, '3210', -DEV_RELEASE, 'dev_reserve_release')

# --- 5.2 前年度末残高の決済 (April / May) ----------------------------------------------------------
lease_int_ap_open = alloc(-CF['op.interest_out'] - sum(PL['5510']), PL['5510'])   # 2,353,562
e = entry('2020-04-30', 'regular', '前年度末未払リース料 (3月分) の支払')
for s in range(8):
    if lease_ap_open[s] or lease_int_ap_open[s]:
        e.add(s, '2110', lease_ap_open[s] + lease_int_ap_open[s])
        e.add(s, '1110', -lease_ap_open[s], 'fin.lease_repay')
        e.add(s, '1110', -lease_int_ap_open[s], 'op.interest_out')
e = entry('2020-04-30', 'regular', '前年度末未払金 (ソフトウェア) の支払')
e.add(G, '2110', SOFT_AP_OPEN).add(G, '1110', -SOFT_AP_OPEN, 'inv.intangible_out')
e = entry('2020-05-29', 'regular', '令和元年度 法人住民税の納付')
e.add(G, '2120', PL['5910'][G]).add(G, '1110', -PL['5910'][G], 'op.tax')
e = entry('2020-04-01', 'regular', '前払費用・貯蔵品の費用振替')
e.add(G, '5290', prepaid_ga[G]).add(G, '5270', stores_ga[G])
e.add(G, '1220', -PREPAID[G]).add(G, '1230', -STORES[G])
e.add(R, '5190', prepaid_jg[R]).add(R, '1220', -PREPAID[R])

# --- 5.3 revenue accruals (quarterly) ---------------------------------------------------------
REV_ACCTS = ['4110', '4120', '4130', '4140', '4150', '4160', '4170', '4180', '4190', '4200', '4520', '4540']
for s in range(8):
    for q in QA:
        amounts = {a: by_quarter(acc_rev[a][s])[q] for a in REV_ACCTS if acc_rev[a][s]}
        if not any(amounts.values()):
            continue
        e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} 営業収益等の計上 (未収計上)', order=10)
        for a, v in amounts.items():
            e.add(s, a, -v)
        e.add(s, '1210', sum(amounts.values()))

# collections: opening receivables collected in May, the rest quarterly
AR_CLOSE_NP = [BS['未収金'][s] for s in range(8)]
AR_CLOSE_NP[G] -= GEN_CHARGE[R]          # inter-segment receivables at year end
AR_CLOSE_NP[L] -= lg_q[M][3]
ar_open = [AR_CLOSE_NP[s] - sum(accrued_by_flow[f][s] for f in collect)
           + sum(collect[f][s] for f in collect) for s in range(8)]
assert all(x >= 0 for x in ar_open), ar_open
for s in range(8):
    if not any(collect[f][s] for f in collect):
        continue
    flows = [f for f in collect if collect[f][s]]
    prev = alloc(ar_open[s], [collect[f][s] for f in flows]) if ar_open[s] else [0] * len(flows)
    if ar_open[s]:
        e = entry('2020-05-29', 'regular', '前年度末未収金の回収', order=20)
        for f, v in zip(flows, prev):
            e.add(s, '1110', v, f)
        e.add(s, '1210', -ar_open[s])
    for q in QA:
        e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} 収入金の回収', order=20)
        tot = 0
        for f, pv in zip(flows, prev):
            v = by_quarter(collect[f][s] - pv)[q]
            e.add(s, '1110', v, f)
            tot += v
        e.add(s, '1210', -tot)
        if not e.rows:
            ENTRIES.remove(e)

# direct-cash revenues
# ASSUMPTION A36: the 助成金 of 一般財団法人 全国市町村振興協会 is received into 預り補助金等 (2135)
# and recognised as 補助金等収入 at year end, when the subsidised work of the year is done.
assert PL['4210'][G] == sum(PL['4210']) == SUBSIDY[1] == SUBSIDY[2] and SUBSIDY[0] == SUBSIDY[3] == 0
e = entry('2020-07-31', 'regular', '全国市町村振興協会助成金の受入 (預り補助金等)')
e.add(G, '1110', PL['4210'][G], 'op.hojokin').add(G, '2135', -PL['4210'][G], 'sub.increase')
e = entry(FY_END, 'regular', '助成対象事業の実施に伴う補助金等収入の計上 (預り補助金等の取崩)', order=15)
e.add(G, '2135', PL['4210'][G], 'sub.decrease').add(G, '4210', -PL['4210'][G])
for half, date in enumerate(['2020-09-30', '2021-03-31']):
    e = entry(date, 'regular', '預金利息の受取', order=15)
    for s in range(8):
        v = PL['4510'][s] // 2 if half == 0 else PL['4510'][s] - PL['4510'][s] // 2
        e.add(s, '1110', v, 'op.interest_in').add(s, '4510', -v)
for q in QA:
    e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} 借上住宅使用料 (給与控除)', order=15)
    for s in range(8):
        v = by_quarter(PL['4530'][s])[q]
        e.add(s, '1110', v, 'op.personnel').add(s, '4530', -v)
e = entry('2021-03-31', 'regular', '消費税還付金・雑収入の受入', order=15)
for s in range(8):
    v = PL['4550'][s] + PL['4560'][s]
    e.add(s, '1110', v, 'op.other_in').add(s, '4550', -PL['4550'][s]).add(s, '4560', -PL['4560'][s])

# --- 5.4 inter-segment transactions (相殺等) ---------------------------------------------------------
for s, qs in lg_q.items():
    for q in QA:
        e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} LGWAN接続負担金 (事業間取引) の請求', order=11)
        e.add(L, '1210', qs[q], partner=s).add(L, '4150', -qs[q], partner=s)
        e.add(s, '5120', qs[q], partner=L).add(s, '2110', -qs[q], partner=L)
        if not (s == M and q == 3):
            e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} LGWAN接続負担金の精算 (事業間資金移動)', order=12)
            e.add(L, '1110', qs[q], 'transfer', partner=s).add(L, '1210', -qs[q], partner=s)
            e.add(s, '2110', qs[q], partner=L).add(s, '1110', -qs[q], 'transfer', partner=L)
for s, v in GEN_CHARGE.items():
    e = entry('2021-03-31', 'regular', 'システム監査支援業務 (事業間取引) の請求', order=11)
    e.add(G, '1210', v, partner=s).add(G, '4160', -v, partner=s)
    e.add(s, '5110', v, partner=G).add(s, '2110', -v, partner=G)

# 他事業勘定: expenses paid by another segment (March)
for d_, c_, v in TATEKAE:
    e = entry('2021-03-26', 'regular', f'{SEG_NAMES[c_]}による{SEG_NAMES[d_]}の事業費の立替払 (他事業勘定)')
    e.add(d_, '5110', v).add(d_, '2190', -v, partner=c_)
    e.add(c_, '2190', v, partner=d_).add(c_, '1110', -v, 'op.outsourcing')

# --- 5.5 デジタル基盤改革支援基金, 長期前受金 receipts -------------------------------------------------
# ASSUMPTION A32: the fund's only expense (1,245,558) was spent from the 標準化・共通化支援 item,
# whose receipt is then the round 150,864,000,000.
for i, (name, bal, acct) in enumerate(DIGITAL_ITEMS):
    amt = bal + (PL['4220'][D] if i == 0 else 0)
    e = entry('2021-03-29', 'regular', f'デジタル基盤改革支援基金 受入 ({name})')
    e.add(D, '1110', amt, 'op.other_in').add(D, acct, -amt)
assert sum(b for _, b, _ in DIGITAL_ITEMS) + PL['4220'][D] == DIGITAL_RECEIPT
for s, (f, v) in FAC_FUND.items():
    e = entry('2020-12-25', 'regular', '次期機器更改に係る施設設備の整備 財源の受入 (長期前受金)')
    e.add(s, '1110', v, f).add(s, '2219', -v)
assert all(FAC_FUND[s][1] == facility_close[s] for s in FAC_FUND)
assert facility_close[R] == RES_TO_LTDEFERRED

# --- 5.6 expenses accrued to 未払金 (quarterly) --------------------------------------------------------
AP_EXP = {}
for s in range(8):
    AP_EXP[s] = {
        '5110': jg['5110'][s] - tatekae_exp[s],
        '5120': jg['5120'][s], '5130': jg['5130'][s], '5150': jg['5150'][s], '5170': jg['5170'][s],
        '5190': other_5190[s],
        '5220': ga_acct['5220'][s], '5240': ga_acct['5240'][s],
        '5270': ga_acct['5270'][s] - stores_ga[s], '5290': ga_acct['5290'][s] - prepaid_ga[s],
    }
for s in range(8):
    for q in QA:
        e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} 事業費・一般管理費の計上 (未払計上)', order=30)
        tot = 0
        for a, v in AP_EXP[s].items():
            x = by_quarter(v)[q]
            e.add(s, a, x)
            tot += x
        e.add(s, '2110', -tot)
        if not e.rows:
            ENTRIES.remove(e)

# --- 5.7 personnel (cash) and provisions used ----------------------------------------------------
for s in STAFFED:
    for q in QA:
        e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} 給与・報酬・法定福利費等の支払', order=25)
        tot = 0
        for a, v in (('5160', cash_5160[s]), ('5190', pers_5190[s]), ('5210', cash_5210[s]),
                     ('5230', cash_5230[s]), ('5250', cash_5250[s])):
            x = by_quarter(v)[q]
            e.add(s, a, x)
            tot += x
        e.add(s, '1110', -tot, 'op.personnel')
e = entry('2020-06-30', 'regular', '6月期末・勤勉手当の支給 (賞与引当金・役員賞与引当金の取崩)', order=24)
for s in range(8):
    v = bonus_open[s] + ebonus_open[s]
    e.add(s, '2140', bonus_open[s], 'prov.use').add(s, '2150', ebonus_open[s], 'prov.use')
    e.add(s, '1110', -v, 'op.personnel')
e = entry('2020-09-30', 'regular', '退職手当の支給 (退職給付引当金の取崩)', order=24)
for s in range(8):
    e.add(s, '2220', ret_paid[s], 'prov.use').add(s, '1110', -ret_paid[s], 'op.personnel')

# --- 5.8 leases ---------------------------------------------------------------------------------------
e = entry('2020-10-01', 'regular', '新規ファイナンス・リース取引の開始 (非資金取引)')
for s in range(8):
    e.add(s, '1340', lease_new[s], 'fa.lease_new').add(s, '2270', -lease_new[s])
for s in range(8):
    cur_left = lease_cur_open[s]
    pq, iq = by_quarter(lease_repay[s]), by_quarter(PL['5510'][s])
    for q in QA:
        if not (pq[q] or iq[q]):
            continue
        e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} リース料の支払 (元本・利息)', order=26)
        from_cur = min(cur_left, pq[q])
        cur_left -= from_cur
        e.add(s, '2160', from_cur).add(s, '2270', pq[q] - from_cur).add(s, '5510', iq[q])
        e.add(s, '1110', -pq[q], 'fin.lease_repay').add(s, '1110', -iq[q], 'op.interest_out')
lease_reclass = [BS['流動負債/リース債務'][s] for s in range(8)]   # 2160 is nil before the reclass
assert all(lease_repay[s] >= lease_cur_open[s] for s in range(8))

# --- 5.9 fixed assets -----------------------------------------------------------------------------------
# ASSUMPTION A36: the 施設設備 (and the 資産除去債務 recognised with them) came into use on
# 2020-06-30: the year's 時の経過による調整額 (10,494,557 on an opening 431,478,093) needs the new
# obligations to accrete for most of the year at the published 割引率 (0.77%～1.7%).
FACILITY_DATE = '2020-06-30'
e = entry(FACILITY_DATE, 'regular', '施設設備の整備 (建物附属設備) の取得')
for s in range(8):
    e.add(s, '1310', bld_cash_add[s], 'fa.increase').add(s, '2110', -bld_cash_add[s])
e = entry(FACILITY_DATE, 'regular', '施設設備の整備に伴う資産除去債務の計上')
for s in range(8):
    e.add(s, '1310', aro_add[s], 'fa.increase').add(s, '2280', -aro_add[s], 'aro.acquisition')
for half, date in enumerate(['2020-09-30', '2021-03-15']):
    e = entry(date, 'regular', '備品の取得')
    for s in range(8):
        v = eqp_add[s] // 2 if half == 0 else eqp_add[s] - eqp_add[s] // 2
        e.add(s, '1320', v, 'fa.increase').add(s, '2110', -v)
e = entry('2020-11-30', 'regular', 'ソフトウェアの取得')
e.add(G, '1420', SFT['inc'], 'fa.increase').add(G, '2110', -SFT['inc'])
e = entry('2021-03-31', 'regular', '建設仮勘定の計上 (施設設備整備 未完成分)', order=31)
for s in range(8):
    e.add(s, '1330', CIP[s], 'fa.increase').add(s, '2110', -CIP[s])
e = entry('2021-03-31', 'regular', '有形固定資産取得代金の支払', order=32)
for s in range(8):
    e.add(s, '2110', ppe_paid[s]).add(s, '1110', -ppe_paid[s], 'inv.ppe_out')
e = entry('2020-12-25', 'regular', 'ソフトウェア取得代金の支払')
e.add(G, '2110', SFT['inc']).add(G, '1110', -SFT['inc'], 'inv.intangible_out')
e = entry('2021-01-29', 'regular', '旧事務所等 建物附属設備の除却')
for s in range(8):
    e.add(s, '1311', bld_disp_acc[s], 'fa.decrease').add(s, '5811', LOSS['bld'][s])
    e.add(s, '1310', -bld_disp[s], 'fa.decrease')
e = entry('2020-11-30', 'regular', '備品の売却')
e.add(G, '1110', PL['4810'][G], 'inv.ppe_sale').add(G, '1321', EQP_SOLD_COST, 'fa.decrease')
e.add(G, '1320', -EQP_SOLD_COST, 'fa.decrease').add(G, '4810', -PL['4810'][G])
e = entry('2021-02-26', 'regular', '備品の除却')
for s in range(8):
    if s == G:
        continue
    e.add(s, '1321', eqp_disp_acc[s], 'fa.decrease').add(s, '5812', LOSS['eqp'][s])
    e.add(s, '1320', -eqp_disp[s], 'fa.decrease')
e = entry(FY_END, 'regular', 'リース期間満了等によるリース資産の除却 (期中満了分の一括整理)', order=55)
for s in range(8):
    e.add(s, '1341', lst_disp_acc[s], 'fa.decrease').add(s, '5813', LOSS['lease'][s])
    e.add(s, '1340', -lst_disp[s], 'fa.decrease')
e.add(R, '1431', LSI['dec'], 'fa.decrease').add(R, '1430', -LSI['dec'], 'fa.decrease')
e = entry('2021-02-26', 'regular', '旧事務所 保証金の返還 (原状回復費用控除後)')
e.add(G, '1110', DEPOSIT_REFUND, 'inv.other_in').add(G, '2280', ARO['settle'], 'aro.settlement')
e.add(G, '1520', -(DEPOSIT_REFUND + ARO['settle']))
e = entry('2020-10-30', 'regular', '新規賃借物件 保証金の差入')
e.add(L, '1520', DEPOSIT_NEW).add(L, '1110', -DEPOSIT_NEW, 'inv.other_out')
e = entry('2020-07-15', 'regular', '投資有価証券 (5年第28回地方公共団体金融機構債券) の取得')
e.add(G, '1512', BOND_PURCHASE).add(G, '1110', -BOND_PURCHASE, 'inv.securities_out')

# --- 5.10 time deposits (ASSUMPTION A28) -------------------------------------------------------------
# 定期預金 (預入期間3箇月超): the opening 430,000,000 (本人確認) matured in April; then a three-step
# ladder in 本人確認 (7.2bn), 一般事業 (3.5bn) and 公的個人認証 (2.8bn) and one deposit of
# 中間サーバー (1.326bn); everything had matured by 31 March (注記: 預入期間3箇月超 0).
TD_LADDER = [(R, 7200000000), (G, 3500000000), (J, 2800000000)]
TD_ROLLS = [('2020-04-20', '2020-07-27'), ('2020-07-27', '2020-11-02'), ('2020-11-02', '2021-02-15')]
TD = [(R, '2020-04-17', 'in', TIME_DEPOSIT_OPEN)]
for s, v in TD_LADDER:
    for d_in, d_out in TD_ROLLS:
        TD.append((s, d_in, 'out', v))
        TD.append((s, d_out, 'in', v))
TD_MIDDLE = -CF['inv.deposit_out'] - 3 * sum(v for _, v in TD_LADDER)
TD += [(M, '2020-10-15', 'out', TD_MIDDLE), (M, '2021-03-16', 'in', TD_MIDDLE)]
for s, date, kind, v in TD:
    if kind == 'out':
        e = entry(date, 'regular', '定期預金 (預入期間3箇月超) の預入', order=45)
        e.add(s, '1120', v).add(s, '1110', -v, 'inv.deposit_out')
    else:
        e = entry(date, 'regular', '定期預金 (預入期間3箇月超) の満期払戻', order=44)
        e.add(s, '1110', v, 'inv.deposit_in').add(s, '1120', -v)
assert sum(v for *_, k, v in TD if k == 'in') == CF['inv.deposit_in']
assert sum(v for *_, k, v in TD if k == 'out') == -CF['inv.deposit_out']

# --- 5.11 prepaid / stores renewal ------------------------------------------------------------------
e = entry('2021-03-31', 'regular', '前払費用の支払・貯蔵品の購入', order=33)
for s in range(8):
    v = PREPAID[s] + STORES[s]
    e.add(s, '1220', PREPAID[s]).add(s, '1230', STORES[s]).add(s, '1110', -v, 'op.other_out')

# =============================================================================================
# 6. Operating payments of 未払金 (plug): solve the segment split from the cash position
# =============================================================================================
# ASSUMPTION A29: opening cash (現金預金 1110) by segment: 一般 5.0bn, 公的個人認証 6.5bn,
# 個人番号カード 1.5bn, 中間サーバー 8.0bn, 総合行政NW 1.2bn, 本人確認関連 0.35bn, デジタル 0;
# 本人確認 takes the remainder of the published 期首残高 31,770,729,071.  Given every other
# movement, each segment's payments of 未払金 (事業費・一般管理費) follow from its cash position,
# and its opening 未払金 from those payments.
CASH_OPEN_TARGET = [5000000000, None, 6500000000, 1500000000, 8000000000, 1200000000, 350000000, 0]


def movements():
    mv = defaultdict(int)
    for en in ENTRIES:
        for s, a, v, f, p in en.rows:
            mv[(s, a)] += v
    return mv


def cash_flows_by(flow):
    t = [0] * 8
    for en in ENTRIES:
        for s, a, v, f, p in en.rows:
            if a == '1110' and f == flow and p is None:
                t[s] += v
    return t


mv = movements()
rem_out = CF['op.outsourcing'] - sum(cash_flows_by('op.outsourcing'))
rem_oth = CF['op.other_out'] - sum(cash_flows_by('op.other_out'))
pay_total = -(rem_out + rem_oth)
pay = [0] * 8
for s in range(8):
    if CASH_OPEN_TARGET[s] is None:
        continue
    # closing = open + mv - pay  =>  pay = open + mv - closing
    pay[s] = CASH_OPEN_TARGET[s] + mv[(s, '1110')] - CLOSE[(s, '1110')]
PLUG = R
pay[PLUG] = pay_total - sum(pay)
assert all(x >= 0 for x in pay), pay

# split each segment's payments between 委託費の支出 and その他の営業支出 (biproportional fit on
# the segment's accrued 委託費 vs other 未払 expenses; ASSUMPTION A30)
w_out = [AP_EXP[s]['5110'] + AP_EXP[s]['5240'] for s in range(8)]
w_oth = [sum(AP_EXP[s].values()) - w_out[s] for s in range(8)]
a_out, a_oth = [float(x) for x in w_out], [float(x) for x in w_oth]
for _ in range(200):
    for s in range(8):
        t = a_out[s] + a_oth[s]
        if t:
            a_out[s], a_oth[s] = a_out[s] * pay[s] / t, a_oth[s] * pay[s] / t
    so, st = sum(a_out), sum(a_oth)
    a_out = [x * (-rem_out) / so for x in a_out]
    a_oth = [x * (-rem_oth) / st for x in a_oth]
pay_out = [int(round(x)) for x in a_out]
pay_out[PLUG] += -rem_out - sum(pay_out)
pay_oth = [pay[s] - pay_out[s] for s in range(8)]
assert sum(pay_oth) == -rem_oth and all(x >= 0 for x in pay_out + pay_oth), (pay_out, pay_oth)

# the 未払金 they settle: opening (previous year's) part first, in May
ap_open_op = []
for s in range(8):
    # opening 2110 (credit, positive) = closing credit - credits + debits (other than these payments)
    op = -(CLOSE[(s, '2110')] - mv[(s, '2110')] - pay[s])
    op -= lease_ap_open[s] + lease_int_ap_open[s] + (SOFT_AP_OPEN if s == G else 0)
    ap_open_op.append(op)
assert all(x >= 0 for x in ap_open_op), ap_open_op
for s in range(8):
    if not pay[s]:
        continue
    prev = alloc(ap_open_op[s], [pay_out[s], pay_oth[s]]) if ap_open_op[s] else [0, 0]
    e = entry('2020-05-29', 'regular', '前年度末未払金 (事業費・一般管理費) の支払', order=35)
    e.add(s, '1110', -prev[0], 'op.outsourcing').add(s, '1110', -prev[1], 'op.other_out')
    e.add(s, '2110', sum(prev))
    qo, qt = by_quarter(pay_out[s] - prev[0]), by_quarter(pay_oth[s] - prev[1])
    for q in QA:
        e = entry(Q_END[q], 'regular', f'{Q_NAME[q]} 未払金 (事業費・一般管理費) の支払', order=35)
        e.add(s, '1110', -qo[q], 'op.outsourcing').add(s, '1110', -qt[q], 'op.other_out')
        e.add(s, '2110', qo[q] + qt[q])
        if not e.rows:
            ENTRIES.remove(e)

# =============================================================================================
# 7. 決算整理 (closing, 2021-03-31)
# =============================================================================================
e = entry(FY_END, 'closing', '減価償却費の計上', order=60)
for s in range(8):
    e.add(s, '5140', dep_total[s])
    e.add(s, '1311', -bld_dep[s], 'fa.depreciation').add(s, '1321', -eqp_dep[s], 'fa.depreciation')
    e.add(s, '1341', -lst_dep[s], 'fa.depreciation').add(s, '1431', -lsi_dep[s], 'fa.depreciation')
e.add(G, '1420', -SFT['dep'], 'fa.depreciation')
e = entry(FY_END, 'closing', '保証金の回収不能見込額のうち当期負担額の費用計上', order=60)
for s in range(8):
    e.add(s, '5140', deposit_amort[s]).add(s, '1520', -deposit_amort[s])
e = entry(FY_END, 'closing', '資産除去債務 時の経過による調整額', order=60)
for s in range(8):
    e.add(s, '5190', aro_accr[s]).add(s, '2280', -aro_accr[s], 'aro.accretion')
e = entry(FY_END, 'closing', '賞与引当金・役員賞与引当金の繰入', order=61)
for s in range(8):
    e.add(s, '5160', bonus_jg[s]).add(s, '5210', bonus_ga[s]).add(s, '2140', -bonus_close[s], 'prov.increase')
    e.add(s, '5230', ebonus_close[s]).add(s, '2150', -ebonus_close[s], 'prov.increase')
e = entry(FY_END, 'closing', '退職給付引当金・役員退職引当金の繰入', order=61)
for s in range(8):
    e.add(s, '5160', ret_jg[s]).add(s, '5260', ret_ga[s]).add(s, '2220', -ret_exp[s], 'prov.increase')
    e.add(s, '5230', eret_exp[s]).add(s, '2230', -eret_exp[s], 'prov.increase')
e = entry(FY_END, 'closing', '負債性積立金の繰入', order=62)
e.add(R, '5820', PL['5820'][R]).add(R, '2240', -PL['5820'][R], 'res.increase')
e.add(J, '5830', PL['5830'][J]).add(J, '2250', -PL['5830'][J], 'res.increase')
e.add(L, '5840', PL['5840'][L]).add(L, '2260', -PL['5840'][L], 'res.increase')
e = entry(FY_END, 'closing', '住基ネット再構築平準化等積立金の取崩 (機器更改経費充当・施設設備整備財源の長期前受金への振替)', order=62)
e.add(R, '2240', RES_JUKI[2], 'res.decrease').add(R, '4230', -PL['4230'][R]).add(R, '2219', -RES_TO_LTDEFERRED)
# ASSUMPTION A35: the year's 長期前受金取崩収入 by 内容: 本人確認 587,197,800 from 住基ネットシステムの
# 機器更改 (2211), 総合行政NW 99,455,020 from 次期LGWANシステムの更改(第五次) (2215), デジタル 1,245,558
# from 自治体情報システムの標準化・共通化支援 (2216, ASSUMPTION A32).  The other items are not drawn
# down (施設設備の整備 was received in the year; the JPKI, 第4回 and 符号生成 items keep their amounts).
LTD_DRAW = {R: '2211', L: '2215', D: '2216'}
assert all(PL['4220'][s] == 0 for s in range(8) if s not in LTD_DRAW)
e = entry(FY_END, 'closing', '長期前受金の取崩', order=62)
for s, a in LTD_DRAW.items():
    e.add(s, a, PL['4220'][s]).add(s, '4220', -PL['4220'][s])
e = entry(FY_END, 'closing', 'リース債務の1年以内返済予定額への振替', order=63)
for s in range(8):
    e.add(s, '2270', lease_reclass[s]).add(s, '2160', -lease_reclass[s])
e = entry(FY_END, 'closing', '法人住民税の計上', order=63)
e.add(G, '5910', PL['5910'][G]).add(G, '2120', -PL['5910'][G])

# 損益振替: close every revenue / expense balance of each segment into its 積立金
KIND = {}
for line in open(os.path.join(BOOK, 'accounts.toml'), encoding='utf-8').read().split('[[account]]')[1:]:
    code = line.split('code = "')[1].split('"')[0]
    KIND[code] = line.split('kind = "')[1].split('"')[0]
bal = defaultdict(int)
for en in ENTRIES:
    for s, a, v, f, p in en.rows:
        if KIND[a] in ('revenue', 'expense'):
            bal[(s, a, p)] += v
e = entry(FY_END, 'closing', '損益振替 (当期純利益の積立金への振替)', order=90)
ni = [0] * 8
for (s, a, p) in sorted(bal, key=lambda k: (k[0], k[1], -1 if k[2] is None else k[2])):
    v = bal[(s, a, p)]
    if v:
        e.add(s, a, -v, 'net_income', p)
        ni[s] -= v
for s in range(8):
    e.add(s, '3210', -ni[s], 'net_income')
assert ni == list(PL['当期純利益']), (ni, PL['当期純利益'])
assert sum(ni) == NET_INCOME

# --- 令和3年度: 利益の処分 (ASSUMPTION A31) ------------------------------------------------------------
APPROP_FY2021 = [0, 0, 326000000, 0, 0, 200000000, 0, 0]
assert sum(APPROP_FY2021) == APPROP_DEV and NET_INCOME - APPROP_DEV == APPROP_RESERVE
fy21 = Entry('2021-06-30', 'appropriation', '令和2年度利益の処分 システム開発積立金への積立 (代表者会議承認)')
for s in range(8):
    fy21.add(s, '3210', APPROP_FY2021[s], 'dev_reserve_transfer')
    fy21.add(s, '3230', -APPROP_FY2021[s], 'dev_reserve_transfer')

# =============================================================================================
# 8. Opening balances = year-end - movements; invariants
# =============================================================================================
mv = movements()
BS_ACCTS = [a for a in KIND if KIND[a] in ('asset', 'liability', 'net_assets')]
for s in range(8):
    for a in BS_ACCTS:
        if a == '2190':
            continue
        CLOSE.setdefault((s, a), 0)
OPEN = {}
for (s, a), v in CLOSE.items():
    OPEN[(s, a)] = v - mv[(s, a)]
# partner-tagged balances (相殺等) open at nil and close at the published elimination
pbal = defaultdict(int)
for en in ENTRIES:
    for s, a, v, f, p in en.rows:
        if p is not None and KIND[a] in ('asset', 'liability'):
            pbal[(s, a, p)] += v
assert sum(v for (s, a, p), v in pbal.items() if a == '1210') == ELIM_AR_AP
assert sum(v for (s, a, p), v in pbal.items() if a == '2110') == -ELIM_AR_AP
# 他事業勘定: nets per pair; opening nil; year-end = published
for s in range(8):
    assert sum(v for (s2, a, p), v in pbal.items() if s2 == s and a == '2190') == -BS['他事業勘定'][s]
pair = defaultdict(int)
for (s, a, p), v in pbal.items():
    if a == '2190':
        pair[tuple(sorted((s, p)))] += v
assert all(v == 0 for v in pair.values())
assert sum(v for (s, a, p), v in pbal.items() if a == '2190') == 0      # Σ segments of 他事業勘定

# every entry balances in total and per segment
for en in ENTRIES + [fy21]:
    per = defaultdict(int)
    for s, a, v, f, p in en.rows:
        per[s] += v
        if a == '1110' or KIND[a] == 'net_assets':
            assert f, (en.memo, a)
    assert all(v == 0 for v in per.values()), (en.memo, dict(per))

# each segment's opening balances sum to zero
for s in range(8):
    assert sum(OPEN[(s2, a)] for (s2, a) in OPEN if s2 == s) == 0, s


def ent_open(a):
    return sum(OPEN[(s, a)] for s in range(8))


# entity opening totals = published opening figures
assert ent_open('1110') == CASH_OPEN
assert ent_open('1120') == TIME_DEPOSIT_OPEN
assert ent_open('1310') == BLD['open'] and ent_open('1320') == EQP['open']
assert ent_open('1340') == LST['open'] and ent_open('1430') == LSI['open']
assert ent_open('1420') == SFT['open']
assert ent_open('1311') == -BLD_ACC_OPEN and ent_open('1321') == -EQP_ACC_OPEN
assert ent_open('2140') == -PROV_BONUS[0] and ent_open('2150') == -PROV_EXEC_BONUS[0]
assert ent_open('2220') == -PROV_RETIRE[0] and ent_open('2230') == -PROV_EXEC_RETIRE[0]
assert ent_open('2240') == -RES_JUKI[0] and ent_open('2250') == -RES_SEC[0]
assert ent_open('2260') == -RES_NEXT[0]
assert ent_open('2280') == -ARO['open']
assert ent_open('2160') == -LEASE_CUR_OPEN and ent_open('2270') == -LEASE_NC_OPEN
for a, v in NA_OPEN.items():
    assert ent_open(a) == -v, a
assert OPEN[(G, '1420')] == SFT['open']
# year-end cash = published
assert sum(CLOSE[(s, '1110')] for s in range(8)) == CASH_CLOSE

# plausibility: no asset opens with a credit balance, no liability / net asset with a debit one
CONTRA = {'1311', '1321', '1341', '1431'}
odd = []
for (s, a), v in sorted(OPEN.items()):
    k = KIND[a]
    if a in CONTRA:
        bad = v > 0
    elif k == 'asset':
        bad = v < 0
    else:
        bad = v > 0
    if bad:
        odd.append((SEGS[s], a, v))
assert not odd, odd

# =============================================================================================
# 8b. Notes and schedules (注記, 附属明細書, 様式第16号) from the flows of balance accounts
# =============================================================================================
# Every posting (opening excepted) to a classified balance account carries a flow of its family,
# and the flows of a family are used on no other account.
FA_COST = ('1310', '1320', '1330', '1340', '1410', '1420', '1430')
FA_CONTRA = ('1311', '1321', '1341', '1431')
PROVISIONS = {'2140': PROV_BONUS, '2150': PROV_EXEC_BONUS, '2220': PROV_RETIRE, '2230': PROV_EXEC_RETIRE}
RESERVES = {'2240': RES_JUKI, '2250': RES_SEC, '2260': RES_NEXT}
FLOW_FAMILY = {a: {'fa.increase', 'fa.lease_new', 'fa.decrease'} for a in FA_COST}
FLOW_FAMILY.update({a: {'fa.depreciation', 'fa.decrease'} for a in FA_CONTRA})
FLOW_FAMILY['1420'] = FLOW_FAMILY['1420'] | {'fa.depreciation'}          # direct write-off
FLOW_FAMILY.update({a: {'prov.increase', 'prov.use', 'prov.other'} for a in PROVISIONS})
FLOW_FAMILY.update({a: {'res.increase', 'res.decrease'} for a in RESERVES})
FLOW_FAMILY['2280'] = {'aro.acquisition', 'aro.accretion', 'aro.settlement'}
FLOW_FAMILY['2135'] = {'sub.increase', 'sub.decrease'}
FAMILY_FLOWS = set().union(*FLOW_FAMILY.values())
FT = defaultdict(int)           # (account, flow) -> entity total of the year's postings
for en in ENTRIES + [fy21]:
    for s, a, v, f, p in en.rows:
        if a in FLOW_FAMILY:
            assert f in FLOW_FAMILY[a], (en.memo, SEGS[s], a, f)
            assert p is None, (en.memo, a)
        else:
            assert f not in FAMILY_FLOWS, (en.memo, a, f)
        if en is not fy21:
            FT[(a, f)] += v
SCHEDULE_CHECKS = []


def tie(name, got, want):
    """Assert that a figure computed from the ledger equals the published one (and record it)."""
    assert got == want, (name, got, want)
    SCHEDULE_CHECKS.append(name)


def ft(accts, flows):
    return sum(FT[(a, f)] for a in accts for f in flows)


def ent_close(a):
    return ent_open(a) + sum(FT[(a2, f)] for (a2, f) in FT if a2 == a)


# 有形固定資産等明細書: per row 当期首残高, 当期増加額, 当期減少額, 当期末残高, 累計, 当期償却額, 差引
def fa_row(cost, contra):
    op = ent_open(cost)
    inc = ft([cost], ['fa.increase', 'fa.lease_new'])
    dec = -ft([cost], ['fa.decrease'])
    dep = -ft([contra or cost], ['fa.depreciation'])
    acc = -ent_close(contra) if contra else 0
    net = ent_close(cost) + (ent_close(contra) if contra else 0)
    return (op, inc, dec, op + inc - dec, acc, dep, net)


FA_ROWS = {
    '建物': (fa_row('1310', '1311'), BLD),
    '備品': (fa_row('1320', '1321'), EQP),
    '有形固定資産/リース資産': (fa_row('1340', '1341'), LST),
    'ソフトウェア': (fa_row('1420', None), dict(SFT, dec=0, acc_close=0)),
    '無形固定資産/リース資産': (fa_row('1430', '1431'), LSI),
}
COLS = ('当期首残高', '当期増加額', '当期減少額', '当期末残高', '当期末減価償却累計額又は償却累計額', '当期償却額',
        '差引当期末残高')
for label, (row, pub) in FA_ROWS.items():
    want = (pub['open'], pub['inc'], pub['dec'], FA_ROW_CLOSE[label][0], pub['acc_close'], pub['dep'],
            FA_ROW_CLOSE[label][1])
    for col, got, w_ in zip(COLS, row, want):
        tie(f'有形固定資産等明細書 {label} {col}', got, w_)
for label, rows, pub in (('有形固定資産計', ('建物', '備品', '有形固定資産/リース資産'), FA_TANGIBLE_TOTAL),
                         ('無形固定資産計', ('ソフトウェア', '無形固定資産/リース資産'), FA_INTANGIBLE_TOTAL)):
    for i, col in enumerate(COLS):
        tie(f'有形固定資産等明細書 {label} {col}', sum(FA_ROWS[r][0][i] for r in rows), pub[i])
tie('有形固定資産等明細書_注記 当期増加の主な内容/建物/施設設備の整備', ft(['1310'], ['fa.increase']), BLD['inc'])
tie('有形固定資産等明細書_注記 当期減少の主な内容/リース資産/情報システム機器', -ft(['1340'], ['fa.decrease']), LST['dec'])
tie('注記_減価償却累計額', -sum(ent_close(a) for a in ('1311', '1321', '1341')), ACC_DEP_NOTE)
# 建設仮勘定 and 電話加入権 (not in the schedule): 建設仮勘定 increase only, 電話加入権 no movement
tie('建設仮勘定 当期増加額 = 期末残高', (ent_open('1330'), ft(['1330'], ['fa.increase'])), (0, sum(CIP)))
tie('電話加入権 no movement', sum(v for (a, f), v in FT.items() if a == '1410'), 0)
# 注記_重要な非資金取引
tie('注記_重要な非資金取引 ファイナンス・リース取引に係る資産及び負債の額',
    ft(['1340', '1430'], ['fa.lease_new']), NEW_LEASES)
# 注記_固定資産除却損 (the year's postings, without the 損益振替)
LOSS_ACCT = {'5811': ('建物', LOSS_BLD), '5812': ('備品', LOSS_EQP), '5813': ('リース資産', LOSS_LEASE)}
for a, (label, v) in LOSS_ACCT.items():
    tie(f'注記_固定資産除却損 {label}', sum(x for (a2, f), x in FT.items() if a2 == a and f != 'net_income'), v)
tie('注記_固定資産除却損 計', sum(x for (a2, f), x in FT.items() if a2 in LOSS_ACCT and f != 'net_income'),
    LOSS_TOTAL)
tie('事業別損益計算書 固定資産除却損 (segments)',
    tuple(sum(v for en in ENTRIES for s2, a, v, f, p in en.rows if s2 == s and a in LOSS_ACCT and f != 'net_income')
          for s in range(8)), PL['固定資産除却損'])
# 引当金明細書: 当期首残高, 当期増加額, 当期減少額(目的使用), 当期減少額(その他), 当期末残高
PROV_NAMES = {'2140': '賞与引当金', '2150': '役員賞与引当金', '2220': '退職給付引当金', '2230': '役員退職引当金'}
prov_rows = {}
for a, pub in PROVISIONS.items():
    row = (-ent_open(a), -ft([a], ['prov.increase']), ft([a], ['prov.use']), ft([a], ['prov.other']),
           -ent_close(a))
    prov_rows[a] = row
    for col, got, w_ in zip(('当期首残高', '当期増加額', '当期減少額(目的使用)', '当期減少額(その他)', '当期末残高'),
                            row, (pub[0], pub[1], pub[2], PROV_OTHER, pub[3])):
        tie(f'引当金明細書 {PROV_NAMES[a]} {col}', got, w_)
for i, w_ in enumerate((PROV_TOTAL[0], PROV_TOTAL[1], PROV_TOTAL[2], PROV_OTHER, PROV_TOTAL[3])):
    tie(f'引当金明細書 合計 column {i + 1}', sum(r[i] for r in prov_rows.values()), w_)
# 注記_退職給付引当金の調整表 (signed as published: 支払額 negative)
tie('注記_退職給付引当金の調整表', (-ent_open('2220'), -ft(['2220'], ['prov.increase']),
                          -ft(['2220'], ['prov.use']), -ent_close('2220')),
    (PROV_RETIRE[0], PROV_RETIRE[1], -PROV_RETIRE[2], PROV_RETIRE[3]))
# 注記_*積立金 (期首残高, 増加額, 減少額 (negative as published), 期末残高) and 負債性積立金の内容
for a, pub in RESERVES.items():
    tie(f'注記_積立金 {a}', (-ent_open(a), -ft([a], ['res.increase']), -ft([a], ['res.decrease']), -ent_close(a)),
        (pub[0], pub[1], -pub[2], RES_CLOSE[a]))
tie('負債性積立金の内容 合計', -sum(ent_close(a) for a in RESERVES), RES_CONTENTS_TOTAL)
# 注記_資産除去債務の増減 and 資産除去債務明細書
aro_flows = (-ft(['2280'], ['aro.acquisition']), -ft(['2280'], ['aro.accretion']), -ft(['2280'], ['aro.settlement']))
tie('注記_資産除去債務の増減', (-ent_open('2280'),) + aro_flows + (-ent_close('2280'),),
    (ARO['open'], ARO['add'], ARO['accretion'], -ARO['settle'], ARO_CLOSE_TOTAL))
tie('資産除去債務明細書', (-ent_open('2280'), aro_flows[0] + aro_flows[1], -aro_flows[2], -ent_close('2280')),
    (ARO['open'], ARO_SCHEDULE_INC, ARO['settle'], ARO_CLOSE_TOTAL))
# 様式第16号 長期前受金の内容及び金額
for a, (name, v, _) in DEFERRED.items():
    tie(f'長期前受金の内容 {name}', -ent_close(a), v)
tie('長期前受金の内容 合計', -sum(ent_close(a) for a in DEFERRED), DEFERRED_TOTAL)
tie('長期前受金 期首 (entity)', -sum(ent_open(a) for a in DEFERRED), 4578909897)
tie('長期前受金 by segment = 事業別貸借対照表',
    tuple(-sum(CLOSE[(s, a)] for a in DEFERRED) for s in range(8)), BS['長期前受金'])
# 様式第16号 補助金等の明細 (助成金)
tie('補助金等の明細 助成金', (-ent_open('2135'), -ft(['2135'], ['sub.increase']), ft(['2135'], ['sub.decrease']),
                       -ent_close('2135')), SUBSIDY)
# 有価証券明細書 (貸借対照表計上額)
for a, (name, v) in BONDS.items():
    tie(f'有価証券明細書 {name}', ent_close(a), v)
tie('有価証券明細書 合計', sum(ent_close(a) for a in BONDS), sum(BS['投資有価証券']))

# =============================================================================================
# 9. Write opening.csv and journal.csv
# =============================================================================================
ENTRIES.sort(key=lambda en: (en.date, en.order))
rows_out = io.StringIO()
w = csv.writer(rows_out, lineterminator='\n')
w.writerow(['entry', 'date', 'kind', 'memo', 'segment', 'account', 'amount', 'flow', 'partner'])
n = 0
# 決算整理 entries are not written: `kessan close` generates them from the sub-ledgers that
# derivation/registers.py writes (the entries above stay in ENTRIES for the ties of section 8).
for en in ENTRIES:
    assert en.rows, en.memo
    if en.kind == 'closing':
        continue
    n += 1
    eid = f'J2020-{n:04d}'
    for i, (s, a, v, f, p) in enumerate(en.rows):
        w.writerow([eid, en.date if i == 0 else '', en.kind if i == 0 else '', en.memo if i == 0 else '',
                    SEGS[s], a, v, f or '', SEGS[p] if p is not None else ''])
for i, (s, a, v, f, p) in enumerate(fy21.rows):
    w.writerow(['J2021-0001', fy21.date if i == 0 else '', fy21.kind if i == 0 else '',
                fy21.memo if i == 0 else '', SEGS[s], a, v, f or '', ''])
with open(os.path.join(BOOK, 'journal.csv'), 'w', encoding='utf-8', newline='') as fh:
    fh.write(rows_out.getvalue())

ob = io.StringIO()
w = csv.writer(ob, lineterminator='\n')
w.writerow(['segment', 'account', 'amount', 'partner'])
for s in range(8):
    for a in sorted({a for (s2, a) in OPEN if s2 == s}):
        v = OPEN[(s, a)]
        if v:
            w.writerow([SEGS[s], a, v, ''])
with open(os.path.join(BOOK, 'opening.csv'), 'w', encoding='utf-8', newline='') as fh:
    fh.write(ob.getvalue())

if __name__ == '__main__':
    nrows = rows_out.getvalue().count('\n') - 1
    print(f'journal.csv: {n + 1} entries, {nrows} rows; opening.csv: {ob.getvalue().count(chr(10)) - 1} rows; '
          f'{len(SCHEDULE_CHECKS)} note/schedule ties hold')
