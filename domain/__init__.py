"""The pure write model: aggregates, events, the hash chain and the application."""
