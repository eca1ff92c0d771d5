"""Write the sub-ledgers from which `kessan close` generates the 令和2年度 決算整理 entries.

Runs derivation/build.py (which writes journal.csv and opening.csv without the closing
entries) and takes from it the year's figures the closing must produce: depreciation by
segment and class, 保証金 amortisation, 長期前受金取崩, provisions, 負債性積立金, 資産除去債務
accretion and 法人住民税均等割. J-LIS does not publish its registers, so each register below is
the simplest one consistent with the published figures (assumptions R1–R6 in ../README.md):

* R1 固定資産台帳: per segment and class, the year's additions and disposals as booked; the
  remaining assets as one asset past its useful life (¥1 備忘価額; lease assets fully
  depreciated) and one live asset carried over with its 期首減価償却累計額, whose cost makes
  the statutory formula give the published depreciation. Candidates for the useful life are
  tried in order; each choice is checked with kessan's own formulas.
* R2 長期前受金: the three drawdowns are spent on expenses (機器更改経費 etc.), not assets.
* R3 引当金: 賞与 for a 支給対象期間 of December–May (4/6 accrued at 31 March); 退職給付 by the
  簡便法, 期末自己都合要支給額 split between 事業費 and 一般管理費 staff; 役員退職 by the 内規.
* R4 負債性積立金: the published 繰入 and 取崩 as decided in the budget.
* R5 資産除去債務: per segment, the year's new obligations at 1.5 %, and the older ones as two
  obligations at the published extremes 0.77 % and 1.7 % whose balances are solved for.
* R6 法人住民税均等割: one office in 東京都 (23区: 都民税 70,000円).

Run with the project's venv:  .venv/bin/python examples/jlis-fy2020/derivation/registers.py
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import runpy
from decimal import Decimal

from kessan.closing import formulas
from kessan.closing.schedules import asset_depreciation, obligation_accretion
from kessan.closing.steps import allocate, provision_required
from kessan.ledger.subledgers import Asset, Obligation, Provision

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), 'subledgers')
B = runpy.run_path(os.path.join(HERE, 'build.py'))
SEGS, FY, FY_START, FY_END = B['SEGS'], 2020, dt.date(2020, 4, 1), dt.date(2021, 3, 31)
G, R, J, L, D = B['G'], B['R'], B['J'], B['L'], B['D']
LIVES = (22, 24, 27, 31, 34, 38, 41, 47, 50, 15, 10, 8, 6, 5, 4, 3)  # straight-line candidates


def date(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def years_before(n: int) -> dt.date:
    return FY_START.replace(year=FY_START.year - n)


# --------------------------------------------------------------------------- R1 固定資産台帳
ASSETS: list[Asset] = []


def add(asset: Asset) -> Asset:
    ASSETS.append(asset)
    return asset


def live_straight(key, name, seg, cost_acc, contra, target, pool_cost, pool_acc, exp='5140'):
    """One live 定額法 asset depreciating ``target`` and one asset past its life, together
    holding ``pool_cost`` and ``pool_acc`` (no contra: written off directly, cost free)."""
    if target == 0 and pool_cost == 0:
        return
    book_value = pool_cost - pool_acc
    for life in LIVES:
        rate = formulas.rates(life).straight_line
        cost = -(-target * 1000 // int(rate * 1000)) if target else 0
        if contra is None:  # written off directly: only the book value is on the ledger, the cost is free
            pool_cost, pool_acc = cost, cost - book_value
        dead_cost = pool_cost - cost
        dead_acc = max(dead_cost - 1, 0) if contra else dead_cost
        live_acc = pool_acc - dead_acc
        if not (0 <= cost <= pool_cost and 0 <= live_acc and cost - live_acc >= target + (1 if contra else 0)):
            continue
        k = max(1, min(life - 2, round(live_acc / target) if target else 1))
        a = Asset(f'{key}-live', f'{name} (既存資産)', seg, cost_acc, contra, exp, 'straight_line', life, None,
                  years_before(k), cost, opening_accumulated=live_acc, opening_year=FY)
        if target and asset_depreciation(a, FY) != target:
            continue
        if cost:
            add(a)
        if dead_cost:
            add(Asset(f'{key}-old', f'{name} (耐用年数経過資産)', seg, cost_acc, contra, exp, 'straight_line', 10,
                      None, date('2005-04-01'), dead_cost, opening_accumulated=dead_acc, opening_year=FY))
        return
    raise SystemExit(f'no useful life fits {key}: target {target}, pool {pool_cost}/{pool_acc}')


def live_lease(key, name, seg, cost_acc, contra, target, pool_cost, pool_acc, commit=True):
    """As ``live_straight`` for リース資産 (リース期間定額法, residual 0); None if nothing fits."""
    for term in range(24, 121):
        cost = -(-target * term // 12)
        dead = pool_cost - cost
        live_acc = pool_acc - dead
        if not (0 <= cost <= pool_cost and 0 <= live_acc and cost - live_acc >= target):
            continue
        elapsed = max(0, min(term - 12, round(live_acc / target) * 12 if target else 0) // 12 * 12)
        start = FY_START.replace(year=FY_START.year - elapsed // 12)
        a = Asset(f'{key}-live', f'{name} (既存リース資産)', seg, cost_acc, contra, '5140', 'lease', None, term, start,
                  cost, opening_accumulated=live_acc, opening_year=FY)
        if asset_depreciation(a, FY) != target:
            continue
        if commit:
            add(a)
            if dead:
                add(Asset(f'{key}-old', f'{name} (リース期間満了・再リース)', seg, cost_acc, contra, '5140', 'lease', None,
                          60, date('2014-04-01'), dead, opening_accumulated=dead, opening_year=FY))
        return a
    return None


def lease_class(key, name, seg, cost_acc, contra, target, cost_open, acc_open, disp, disp_acc, commit=True):
    """A lease class: leases that expired during the year (their term ran ``m`` months into
    it, removed at the year end with what was left as 除却損) and the carried-over rest.
    Returns whether a register fits (and, with ``commit``, adds it)."""
    loss = disp - disp_acc
    for m in (B['LEASE_EXPIRY_MONTHS'], *range(13)) if disp else (0,):
        expired, dep = None, 0
        if disp:
            start = formulas._add_months(FY_START, m - 60)
            probe = Asset(f'{key}-disp', f'{name} (リース期間満了)', seg, cost_acc, contra, '5140', 'lease', None, 60,
                          start, disp, disposed=FY_END, opening_accumulated=0, opening_year=FY)
            dep = asset_depreciation(probe, FY)
            expired = Asset(probe.asset, probe.name, seg, cost_acc, contra, '5140', 'lease', None, 60, start, disp,
                            disposed=FY_END, opening_accumulated=disp - loss - dep, opening_year=FY)
            if expired.opening_accumulated < 0 or asset_depreciation(expired, FY) != dep or dep > target:
                continue
        pool_acc = acc_open - (expired.opening_accumulated if expired else 0)
        if live_lease(key, name, seg, cost_acc, contra, target - dep, cost_open - disp, pool_acc, commit=False):
            if commit:
                if expired:
                    add(expired)
                live_lease(key, name, seg, cost_acc, contra, target - dep, cost_open - disp, pool_acc)
            return True
    return False


def additions(key, name, seg, cost_acc, contra, items, method, life_or_term):
    total = 0
    for n, (when, cost) in enumerate(items, 1):
        if cost:
            lease = method == 'lease'
            a = add(Asset(f'{key}-new{n}', name, seg, cost_acc, contra, '5140', method, None if lease else life_or_term,
                          life_or_term if lease else None, date(when), cost))
            total += asset_depreciation(a, FY)
    return total


def disposal(key, name, seg, cost_acc, contra, cost, acc, when, method='straight_line'):
    if cost:
        add(Asset(f'{key}-disp', name, seg, cost_acc, contra, '5140', method, 10 if method != 'lease' else None,
                  60 if method == 'lease' else None, date('2010-04-01'), cost, disposed=date(when),
                  opening_accumulated=acc, opening_year=FY))


def fixed_assets():
    for s in range(8):
        seg = SEGS[s]
        # 建物 (建物附属設備): additions at FACILITY_DATE over 22 years (the ARO 使用見込期間 starts at 21)
        new = additions(f'B-{seg}', '施設設備 (建物附属設備)', seg, '1310', '1311',
                        [(B['FACILITY_DATE'], B['bld_cash_add'][s]), (B['FACILITY_DATE'], B['aro_add'][s])],
                        'straight_line', 22)
        disposal(f'B-{seg}', '旧事務所等 建物附属設備', seg, '1310', '1311', B['bld_disp'][s], B['bld_disp_acc'][s],
                 '2021-01-29')
        pool_cost = B['bld_cost_open'][s] - B['bld_disp'][s]
        pool_acc = B['bld_acc_open'][s] - B['bld_disp_acc'][s]
        live_straight(f'B-{seg}', '建物附属設備', seg, '1310', '1311', B['bld_dep'][s] - new, pool_cost, pool_acc)
        # 備品: two purchases, 5 years
        half = B['eqp_add'][s] // 2
        new = additions(f'E-{seg}', '備品', seg, '1320', '1321',
                        [('2020-09-30', half), ('2021-03-15', B['eqp_add'][s] - half)], 'straight_line', 5)
        eqp_cost_open = B['eqp_net_open'][s] + B['eqp_acc_open'][s]
        disposal(f'E-{seg}', '備品 (売却・除却)', seg, '1320', '1321', B['eqp_disp'][s], B['eqp_disp_acc'][s],
                 '2020-11-30' if s == G else '2021-02-26')
        live_straight(f'E-{seg}', '備品', seg, '1320', '1321', B['eqp_dep'][s] - new,
                      eqp_cost_open - B['eqp_disp'][s], B['eqp_acc_open'][s] - B['eqp_disp_acc'][s])
        # リース資産 (有形): the year's new leases (term: the first of 60, 72, … months that fits);
        # expiries as booked
        lst_acc_open = B['lst_acc_close'][s] - B['lst_dep'][s] + B['lst_disp_acc'][s]
        for term in (60, 72, 84, 96, 108, 120):
            probe = Asset('probe', '', seg, '1340', '1341', '5140', 'lease', None, term, date('2020-10-01'),
                          B['lease_new'][s])
            new = asset_depreciation(probe, FY) if B['lease_new'][s] else 0
            args = (f'LT-{seg}', '情報システム機器', seg, '1340', '1341', B['lst_dep'][s] - new, B['lst_cost_open'][s],
                    lst_acc_open, B['lst_disp'][s], B['lst_disp_acc'][s])
            if lease_class(*args, commit=False):
                additions(f'LT-{seg}', '情報システム機器 (リース)', seg, '1340', '1341',
                          [('2020-10-01', B['lease_new'][s])], 'lease', term)
                lease_class(*args)
                break
        else:
            raise SystemExit(f'no lease register fits LT-{seg}')
        # 保証金: the part not to be refunded, written off over the rental period
        if B['deposit_amort'][s]:
            # the part still to be written off: four more years of the charge (assumption R1)
            live_straight(f'DP-{seg}', '保証金 (回収不能見込額)', seg, '1520', None, B['deposit_amort'][s],
                          5 * B['deposit_amort'][s], 0)
    # リース資産 (無形), 本人確認 only: the expired one and the live ones
    LSI = B['LSI']
    acc_open = LSI['acc_close'] - LSI['dep'] + LSI['dec']
    assert lease_class('LI-residents', 'ソフトウェア (リース)', 'residents', '1430', '1431', LSI['dep'], LSI['open'],
                       acc_open, LSI['dec'], LSI['dec'])
    # 非償却資産: 電話加入権 (no movement in the year) and 建設仮勘定 (the year's unfinished works)
    for s in range(8):
        seg = SEGS[s]
        if B['BS']['電話加入権'][s]:
            add(Asset(f'T-{seg}', '電話加入権', seg, '1410', None, '5140', 'none', None, None, date('2000-04-01'),
                      B['BS']['電話加入権'][s]))
        if B['CIP'][s]:
            add(Asset(f'C-{seg}', '建設仮勘定 (施設設備整備 未完成分)', seg, '1330', None, '5140', 'none', None, None,
                      FY_END, B['CIP'][s]))
    # ソフトウェア (一般事業, 直接減額): this year's purchase over 5 years, the rest carried over
    SFT = B['SFT']
    new = additions('S-general', '業務システム (ソフトウェア)', 'general', '1420', None, [('2020-11-30', SFT['inc'])],
                    'straight_line', 5)
    live_straight('S-general', 'ソフトウェア', 'general', '1420', None, SFT['dep'] - new, SFT['open'], 0)


# --------------------------------------------------------------------------- R2 長期前受金
GRANT_USES = [  # (segment, sub-account, what the drawdown funds)
    (R, '2211', '住基ネットシステムの機器更改経費'),
    (L, '2215', '次期LGWANシステムの更改 (第五次) 経費'),
    (D, '2216', '自治体情報システムの標準化・共通化支援経費'),
]


# --------------------------------------------------------------------------- R3 引当金
def bonus_payment(target: int) -> int:
    """The 支給見込額 whose 4/6 (truncated) is ``target``."""
    return (3 * target + 1) // 2


def retirement_split(total: int, charge: int, jg: int, ga: int) -> tuple[int, int]:
    """要支給額 of 事業費 and 一般管理費 staff whose proportion splits ``charge`` into (jg, ga)."""
    guess = total * ga // charge if charge else 0
    for delta in range(0, 200000):
        for g in (guess + delta, guess - delta):
            if 0 <= g <= total and allocate(charge, [total - g, g]) == [jg, ga]:
                return total - g, g
    raise SystemExit(f'no split of {total} gives {jg}/{ga}')


def provisions() -> list[Provision]:
    out = []
    start, end = date('2020-12-01'), date('2021-05-31')
    for s in range(8):
        seg = SEGS[s]
        for acc, exp, v, label in (('2140', '5160', B['bonus_jg'][s], '賞与 (事業部門)'),
                                    ('2140', '5210', B['bonus_ga'][s], '賞与 (管理部門)'),
                                    ('2150', '5230', B['ebonus_close'][s], '役員賞与')):
            if v:
                out.append(Provision(f'P-{seg}-{acc}-{exp}', f'{label} 令和3年6月期', seg, acc, exp, 'bonus',
                                     bonus_payment(v), start, end))
        if B['ret_close'][s]:
            jg, ga = retirement_split(B['ret_close'][s], B['ret_exp'][s], B['ret_jg'][s], B['ret_ga'][s])
            for exp, v, label in (('5160', jg, '事業部門'), ('5260', ga, '管理部門')):
                if v:
                    out.append(Provision(f'P-{seg}-2220-{exp}', f'退職給付 期末自己都合要支給額 ({label})', seg, '2220',
                                         exp, 'retirement_simplified', v))
        if B['eret_close'][s]:
            out.append(Provision(f'P-{seg}-2230', '役員退職慰労金 (内規)', seg, '2230', '5230', 'bylaw',
                                 B['eret_close'][s]))
    for p in out:
        if p.method == 'bonus':
            assert provision_required(p, FY_END) in (B['bonus_jg'][SEGS.index(p.segment)],
                                                     B['bonus_ga'][SEGS.index(p.segment)],
                                                     B['ebonus_close'][SEGS.index(p.segment)])
    return out


# --------------------------------------------------------------------------- R5 資産除去債務
R_NEW, R_HIGH, R_LOW = Decimal('0.015'), Decimal('0.017'), Decimal('0.0077')


def obligations() -> list[Obligation]:
    out = []
    settle = B['ARO']['settle']
    out.append(Obligation('ARO-general-old-office', '旧事務所 原状回復義務 (履行済)', 'general', '2280', '5190',
                          date('2011-04-01'), R_LOW, settle, settle, FY, date('2021-02-26')))
    for s in range(8):
        seg = SEGS[s]
        target = B['aro_accr'][s]
        if not target:
            continue
        new = Obligation(f'ARO-{seg}-new', '施設設備の原状回復義務 (令和2年度計上)', seg, '2280', '5190',
                         date(B['FACILITY_DATE']), R_NEW, B['aro_add'][s])
        rest = target - obligation_accretion(new, FY)
        opening = B['ARO_CLOSE'][s] - B['aro_add'][s] - target  # without the settled one, listed on its own
        guess = int((rest - float(R_LOW) * opening) / float(R_HIGH - R_LOW))
        for delta in range(0, 5000):
            for high in (guess + delta, guess - delta):
                pair = [Obligation(f'ARO-{seg}-a', '事務所等の原状回復義務 (既存 A)', seg, '2280', '5190',
                                   date('2014-04-01'), R_HIGH, high, high, FY),
                        Obligation(f'ARO-{seg}-b', '事務所等の原状回復義務 (既存 B)', seg, '2280', '5190',
                                   date('2017-04-01'), R_LOW, opening - high, opening - high, FY)]
                if 0 <= high <= opening and sum(obligation_accretion(o, FY) for o in pair) == rest:
                    out += pair + [new]
                    break
            else:
                continue
            break
        else:
            raise SystemExit(f'no split of the opening 資産除去債務 fits {seg}')
    return out


# --------------------------------------------------------------------------- write
def write(name: str, header: list[str], rows: list[list]) -> None:
    with open(os.path.join(OUT, name), 'w', encoding='utf-8', newline='') as fh:
        w = csv.writer(fh, lineterminator='\n')
        w.writerow(header)
        w.writerows([['' if v is None else v for v in row] for row in rows])


def main() -> None:
    fixed_assets()
    write('fixed_assets.csv', ['asset', 'name', 'segment', 'cost_account', 'contra_account', 'expense_account', 'method',
                               'useful_life', 'lease_months', 'in_use', 'cost', 'grant_account', 'funded_amount',
                               'disposed', 'opening_accumulated', 'opening_year', 'revised_base'],
          [[a.asset, a.name, a.segment, a.cost_account, a.contra_account, a.expense_account, a.method, a.useful_life,
            a.lease_months, a.in_use, a.cost, a.grant_account, a.funded_amount or None, a.disposed,
            a.opening_accumulated, a.opening_year, a.revised_base] for a in ASSETS])
    write('grant_uses.csv', ['use', 'name', 'segment', 'grant_account', 'fiscal_year', 'spent'],
          [[f'G-{SEGS[s]}-{acc}', name, SEGS[s], acc, FY, B['PL']['4220'][s]] for s, acc, name in GRANT_USES])
    write('provisions.csv', ['provision', 'name', 'segment', 'account', 'expense_account', 'method', 'amount',
                             'period_start', 'period_end'],
          [[p.provision, p.name, p.segment, p.account, p.expense_account, p.method, p.amount, p.period_start,
            p.period_end] for p in provisions()])
    PL = B['PL']
    write('reserves.csv', ['reserve', 'segment', 'account', 'action', 'counter_account', 'fiscal_year', 'amount', 'basis'], [
        ['RS-juki', 'residents', '2240', 'provision', '5820', FY, PL['5820'][R], '令和2年度予算 (積立)'],
        ['RS-security', 'jpki', '2250', 'provision', '5830', FY, PL['5830'][J], '令和2年度予算 (積立)'],
        ['RS-next', 'lgwan', '2260', 'provision', '5840', FY, PL['5840'][L], '令和2年度予算 (積立)'],
        ['RS-juki', 'residents', '2240', 'release', '4230', FY, PL['4230'][R], '機器更改経費への充当'],
        ['RS-juki', 'residents', '2240', 'release', '2219', FY, B['RES_TO_LTDEFERRED'], '施設設備整備の財源 (長期前受金へ振替)'],
    ])
    write('aro.csv', ['obligation', 'name', 'segment', 'account', 'expense_account', 'recognised', 'discount_rate',
                      'initial_amount', 'opening_balance', 'opening_year', 'settled', 'undiscounted_amount',
                      'expected_settlement'],
          [[o.obligation, o.name, o.segment, o.account, o.expense_account, o.recognised, o.discount_rate,
            o.initial_amount, o.opening_balance, o.opening_year, o.settled, o.undiscounted_amount,
            o.expected_settlement] for o in obligations()])
    write('resident_tax.csv', ['office', 'jurisdiction', 'segment', 'annual_amount', 'opened', 'closed'],
          [['本部', '東京都 (特別区)', 'general', PL['5910'][G], None, None]])


if __name__ == '__main__':
    main()
