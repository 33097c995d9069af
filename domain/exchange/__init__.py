"""Exchange records (数据交换): the record shapes provincial platforms (一体化政务服务平台)
exchange, made from a case's events, and the regulator feed (审管联动) of approvals.

``records`` defines each record type once (its fields, codes and JSON Schema);
``mapping`` folds a case's events into its records, each a versioned correction of the
last. Pure: no Kafka, no storage.
"""
