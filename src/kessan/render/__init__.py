"""Output layers: text (terminal), csv, json. Rounding and △ live here only."""
