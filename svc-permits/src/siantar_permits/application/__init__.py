"""Applications for local permits: the workflow from draft to issuance, its history, SLA clocks and tasks."""
