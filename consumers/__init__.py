"""Processes that follow the event log: the relay to Kafka and the Kafka consumers."""
