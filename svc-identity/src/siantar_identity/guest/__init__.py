"""Guest reporters: people who report at a counter, by SMS or through an Open311 app, without an account."""
