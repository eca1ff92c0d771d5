"""The ledger core: immutable types and the invariants every entry must satisfy."""
