"""What every reader produces: 伝票 (slips) of sides as written in the source file."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class Side(NamedTuple):
    """One 借方 or 貸方 of a line: names as written, the amount as a positive or negative yen."""

    line: int
    debit: bool
    account: str  # 勘定科目
    sub: str  # 補助科目 ('' if none)
    dept: str  # 部門 ('' if none)
    amount: int
    memo: str  # the 摘要 of its line

    @property
    def signed(self) -> int:
        """The kessan amount: debit positive, credit negative."""
        return self.amount if self.debit else -self.amount


class Slip(NamedTuple):
    """A 伝票: one entry of the source, from its first line on."""

    line: int
    number: str  # 伝票No. / 取引No as written ('' if none)
    date: dt.date
    settlement: str  # the 決算 column as written ('' for an ordinary entry)
    memo: str  # the first 摘要 given
    sides: tuple[Side, ...]
