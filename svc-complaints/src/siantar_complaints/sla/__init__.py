"""SLA classes: working-day budgets per lifecycle step, with their legal source (configuration, not code)."""
