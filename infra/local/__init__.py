"""The local stack: private Kafka and PostgreSQL servers for development and tests.

No production process imports this package; only `casetrail stack` and `casetrail up`
(and the tests) start these servers.
"""
