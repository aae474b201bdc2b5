"""API clients of the city's apps, third-party developers and other services; API keys."""
