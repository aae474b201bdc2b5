"""UU 27/2022 (PDP): consent per purpose, data-subject requests, NIK manual review."""
