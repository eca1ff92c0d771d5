"""Schedules derived from one register row (ledger/subledgers.py)."""

from __future__ import annotations

from ..ledger.subledgers import Lease
from . import formulas


def lease_schedule(lease: Lease) -> tuple[formulas.LeasePayment, ...]:
    """The repayment schedule of one lease (formulas.lease_debt_schedule)."""
    return formulas.lease_debt_schedule(lease.amount, lease.term_months, lease.first_due, lease.monthly_rate,
                                        payment=lease.payment)
