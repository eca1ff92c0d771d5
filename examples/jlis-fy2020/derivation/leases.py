"""Write subledgers/leases.csv: the remaining repayment schedule of the リース債務 at 2021-03-31.

Published (令和2年度財務諸表): the segment リース債務 (流動 / 固定) of 事業別貸借対照表 and the entity
返済予定額 buckets of 注記(金融商品関係)(注3). Individual lease contracts are not published, so the
register holds, per segment, one tranche per year of the remaining schedule (assumption L1 in the
README): tranche 1 (due within one year) = the segment's 流動 リース債務; the segment's 固定 part is
split over the years 2–5 in proportion to the published buckets (largest remainder), so that the
columns add up to the published buckets exactly. Each tranche is repaid in 12 equal monthly
instalments (利子込み法), the last absorbing the remainder. Deterministic; stdlib only.
"""

from pathlib import Path

CURRENT = {  # 事業別貸借対照表 流動負債/リース債務
    "general": 75_071_373, "residents": 204_001_058, "jpki": 411_177_109, "card": 202_285_190,
    "middle": 47_445, "lgwan": 35_914_568, "residents_related": 225_256_554, "digital": 0}
NONCURRENT = {  # 事業別貸借対照表 固定負債/リース債務
    "general": 259_864_873, "residents": 501_455_403, "jpki": 87_735_398, "card": 4_341_399,
    "middle": 176_741, "lgwan": 72_713_245, "residents_related": 643_762_323, "digital": 0}
BUCKETS = [1_153_753_297, 622_707_712, 521_533_743, 373_894_495, 51_913_432]  # (注3) 1年以内 … 4年超5年以内
FIRST_DUE = ["2021-04-30", "2022-04-30", "2023-04-30", "2024-04-30", "2025-04-30"]

assert sum(CURRENT.values()) == BUCKETS[0]
assert sum(NONCURRENT.values()) == sum(BUCKETS[1:])


def split(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of ``total`` in proportion to ``weights``."""
    w = sum(weights)
    raw = [total * x for x in weights]
    parts = [r // w for r in raw]
    order = sorted(range(len(weights)), key=lambda i: -(raw[i] % w))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


segments = [s for s in NONCURRENT if NONCURRENT[s]]
cells = {s: split(NONCURRENT[s], BUCKETS[1:]) for s in segments}
# make the columns exact: the residual of each column but the last moves, within the segment holding
# most of that column, between that column and the last one; the last column then adds up by itself
last = len(BUCKETS) - 2
for j, target in enumerate(BUCKETS[1:-1]):
    diff = target - sum(cells[s][j] for s in segments)
    s = max(segments, key=lambda x: min(cells[x][j], cells[x][last]))
    cells[s][j] += diff
    cells[s][last] -= diff
assert [sum(cells[s][k] for s in segments) for k in range(len(BUCKETS) - 1)] == BUCKETS[1:]
for s in segments:
    assert sum(cells[s]) == NONCURRENT[s]
    assert all(v >= 0 for v in cells[s])

rows = ["lease,segment,first_due,term_months,amount,monthly_rate,payment"]
for s, amount in CURRENT.items():
    if amount:
        rows.append(f"L-{s}-1,{s},{FIRST_DUE[0]},12,{amount},,")
for s in segments:
    for j, amount in enumerate(cells[s], start=2):
        if amount:
            rows.append(f"L-{s}-{j},{s},{FIRST_DUE[j - 1]},12,{amount},,")
out = Path(__file__).resolve().parent.parent / "subledgers" / "leases.csv"
out.write_text("\n".join(rows) + "\n", encoding="utf-8")
print(f"{out}: {len(rows) - 1} tranches")
