"""The relay's partitioner sends each key where kafka-python's default one does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner.default import DefaultPartitioner

from consumers.relay import RememberingPartitioner

TOPIC = "casetrail.events"


class Cluster:
    """The metadata a partitioner reads: one topic with ``count`` partitions."""

    def __init__(self, count: int) -> None:
        self.partitions = set(range(count))

    def topics(self) -> set[str]:
        return {TOPIC}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.partitions if topic == TOPIC else None

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions


@given(keys=st.lists(st.binary(min_size=1, max_size=40), min_size=1), count=st.integers(1, 64))
def test_each_key_goes_where_the_default_partitioner_sends_it(
    keys: list[bytes], count: int
) -> None:
    cluster, remembering, default = Cluster(count), RememberingPartitioner(), DefaultPartitioner()
    for key in keys + keys:  # the second time from the remembered hash
        expected = default.partition(TOPIC, key, key, None, None, cluster)
        assert remembering.partition(TOPIC, key, key, None, None, cluster) == expected


def test_a_message_without_a_key_goes_to_one_of_the_partitions() -> None:
    partition = RememberingPartitioner().partition(TOPIC, None, None, None, b"v", Cluster(12))
    assert partition in range(12)
