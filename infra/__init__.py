"""Local development stack: a Kafka broker and PostgreSQL for casetrail."""
