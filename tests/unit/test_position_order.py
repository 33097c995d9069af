"""The global order rebuilt from the partitions: events read out of order across
partitions are released in position order, none beyond the relay's recorded progress,
none before every partition is read to its end, and reading resumes where nothing
waiting is lost."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from consumers.position_order import Pending, PositionOrder

TOPIC = "casetrail.case-events"


def message(position: int, partition: int, offset: int) -> Pending:
    return Pending(position, partition, offset, TOPIC, None, str(position).encode())


def read_all(order: PositionOrder, partitions: dict[int, list[int]]) -> None:
    """Read each partition's positions, partition after partition (out of global order)."""
    for partition, positions in partitions.items():
        for offset, position in enumerate(positions):
            order.read(partition, offset, message(position, partition, offset))


def test_events_read_across_partitions_are_released_in_position_order() -> None:
    partitions = {0: [2, 5, 9], 1: [1, 6], 2: [3, 4, 8, 10]}  # ids have gaps: 7 is missing
    order = PositionOrder(dict.fromkeys(partitions, 0))
    read_all(order, partitions)
    ends = {p: len(positions) for p, positions in partitions.items()}
    released = order.release(9, ends)
    assert [m.position for m in released] == [1, 2, 3, 4, 5, 6, 8, 9]
    assert len(order) == 1  # 10 waits: the relay has not recorded it yet
    assert [m.position for m in order.release(10, ends)] == [10]


def test_nothing_beyond_the_relays_progress() -> None:
    order = PositionOrder({0: 0, 1: 0})
    read_all(order, {0: [4], 1: [5]})
    assert order.release(3, {0: 1, 1: 1}) == []
    assert len(order) == 2


def test_nothing_before_every_partition_is_read_to_its_end() -> None:
    """Partition 1 still holds position 1, unread: releasing 2 now would put it first."""
    order = PositionOrder({0: 0, 1: 0})
    read_all(order, {0: [2, 3]})
    ends = {0: 2, 1: 1}
    assert order.release(3, ends) == []
    order.read(1, 0, message(1, 1, 0))
    assert [m.position for m in order.release(3, ends)] == [1, 2, 3]


def test_a_partition_without_messages_is_read_to_its_end() -> None:
    order = PositionOrder({0: 0, 1: 7})  # partition 1 resumed at its end
    read_all(order, {0: [1]})
    assert [m.position for m in order.release(1, {0: 1, 1: 7})] == [1]


def test_a_republished_copy_follows_its_first() -> None:
    order = PositionOrder({0: 0})
    read_all(order, {0: [1, 2, 1, 2]})
    released = order.release(2, {0: 4})
    assert [(m.position, m.offset) for m in released] == [(1, 0), (1, 2), (2, 1), (2, 3)]


def test_reading_resumes_at_the_earliest_message_still_waiting() -> None:
    order = PositionOrder({0: 10, 1: 20, 2: 30})
    order.read(0, 10, message(5, 0, 10))
    order.read(0, 11, message(7, 0, 11))
    order.read(1, 20, message(6, 1, 20))
    order.read(1, 21)  # refused at once: needs no turn
    released = order.release(6, {0: 12, 1: 22, 2: 30})
    assert [m.position for m in released] == [5, 6]
    assert order.resume_offsets() == {0: 11, 1: 22, 2: 30}
    # released but not yet appended: kept too
    assert order.resume_offsets(released[:1]) == {0: 10, 1: 22, 2: 30}


@given(
    st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=80),
    st.randoms(use_true_random=False),
)
def test_any_interleaving_releases_in_order_exactly_what_the_relay_recorded(
    placement: list[int], relay: int, shuffle: random.Random
) -> None:
    """Positions 1..n (with gaps), each on its partition in increasing order, read in any
    interleaving of the partitions: released sorted, exactly those within the relay's
    progress, and the rest later."""
    positions = [3 * i + 1 for i in range(len(placement))]
    partitions: dict[int, list[int]] = {}
    for position, partition in zip(positions, placement, strict=True):
        partitions.setdefault(partition, []).append(position)
    cursors = [(p, offset) for p, pos in partitions.items() for offset in range(len(pos))]
    shuffle.shuffle(cursors)
    cursors.sort(key=lambda c: c[1])  # within a partition, offsets in order
    shuffle.shuffle(cursors)
    per_partition = {p: iter(range(len(pos))) for p, pos in partitions.items()}
    order = PositionOrder(dict.fromkeys(partitions, 0))
    for partition, _ in cursors:
        offset = next(per_partition[partition])
        order.read(partition, offset, message(partitions[partition][offset], partition, offset))
    ends = {p: len(pos) for p, pos in partitions.items()}
    released = [m.position for m in order.release(relay, ends)]
    assert released == [p for p in positions if p <= relay]
    rest = [m.position for m in order.release(10**6, ends)]
    assert rest == [p for p in positions if p > relay]
