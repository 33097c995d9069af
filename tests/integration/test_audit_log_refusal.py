"""The audit log never signs a checkpoint that does not extend the previous one: after a
stored node or leaf under a signed checkpoint is edited (as anyone who can write to
PostgreSQL could), the next checkpoint is refused, with a clear error, and nothing is
recorded or published; the log itself goes on appending."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import pytest

from domain.transparency.merkle import leaf_hash, node_hash, range_nodes
from infra.local import stack
from tests.integration.audit_helpers import (
    AUDIT_ENV,
    checkpoint_size,
    latest_checkpoint,
    public,
    published_checkpoints,
    wait_logged,
)
from tests.integration.harness import Hall, Platform, wait_until

pytestmark = pytest.mark.integration

PERSON = {"kind": "person", "name": "吴九", "id_number": "110101199404041234"}
FORGED = hashlib.sha256(b"forged").digest()


def edit_a_node(platform: Platform, size: int) -> None:
    """Overwrite the stored node over the checkpoint's first leaves."""
    node = range_nodes(0, size)[0]
    platform.sql(
        "UPDATE audit_log_nodes SET hash = %s WHERE level = %s AND index = %s",
        FORGED,
        node.level,
        node.index,
    )


def rewrite_a_leaf(platform: Platform, size: int) -> None:
    """Give leaf 1 another chain hash and recompute every stored node above it, as a
    forger covering their tracks would."""
    platform.sql("UPDATE audit_log_leaves SET chain_hash = %s WHERE leaf_index = 1", FORGED)
    nodes = {
        (level, index): bytes(digest)
        for level, index, digest in platform.sql("SELECT level, index, hash FROM audit_log_nodes")
    }
    nodes[0, 1] = leaf_hash(FORGED)
    level = 1
    while (level, 1 >> level) in nodes:
        index = 1 >> level
        nodes[level, index] = node_hash(
            nodes[level - 1, 2 * index], nodes[level - 1, 2 * index + 1]
        )
        level += 1
    for (level, index), digest in nodes.items():
        if (index << level) <= 1 < ((index + 1) << level):
            platform.sql(
                "UPDATE audit_log_nodes SET hash = %s WHERE level = %s AND index = %s",
                digest,
                level,
                index,
            )
    assert size > 1


@pytest.fixture
def hall(stack_info: stack.StackInfo, request: pytest.FixtureRequest) -> Iterator[Hall]:
    """A platform of its own for each test (a refusal stops signing for good)."""
    platform = Platform(stack_info.bootstrap_servers, "audit_refusal")
    staff = Hall(platform, PERSON)
    try:
        platform.start("relay")
        platform.start("api")
        platform.start("audit log", label="audit", env=AUDIT_ENV)
        yield staff
    finally:
        staff.close()
        platform.close()


@pytest.mark.parametrize(
    ("tamper", "restart"),
    [(edit_a_node, False), (rewrite_a_leaf, True)],
    ids=["node", "leaf-then-restart"],
)
def test_a_tree_edited_under_a_checkpoint_is_never_signed(
    hall: Hall, tamper: Callable[[Platform, int], None], restart: bool
) -> None:
    """Restarted, the audit log takes the edited tree as its own: only the consistency
    proof against the signed checkpoint shows that it was rewritten."""
    platform = hall.platform
    for _ in range(2):
        hall.submit("SCJG-001")
    signed = wait_logged(platform)
    with public(platform) as client:
        note, _ = latest_checkpoint(client, platform.settings.audit_origin)
    published = published_checkpoints(platform)
    stored = platform.sql("SELECT tree_size, note FROM audit_checkpoints ORDER BY tree_size")

    tamper(platform, signed)
    if restart:
        platform.kill("audit")
        platform.start("audit log", label="audit", env=AUDIT_ENV)
    hall.submit("SCJG-001")
    wait_logged(platform, signed=False)
    wait_until(lambda: "REFUSED to sign" in platform.log("audit"), what="the refusal")
    assert f"does not extend the previous checkpoint of {signed}" in platform.log("audit")
    assert checkpoint_size(platform) == signed
    assert (
        platform.sql("SELECT tree_size, note FROM audit_checkpoints ORDER BY tree_size") == stored
    )
    assert published_checkpoints(platform) == published
    with public(platform) as client:
        assert client.get("/api/v1/audit/checkpoint").text == note
    # the log goes on appending, unsigned
    hall.submit("SCJG-001")
    wait_logged(platform, signed=False)
    assert platform.processes["audit"].poll() is None
    assert checkpoint_size(platform) == signed


def test_a_log_cut_short_is_not_appended_to(hall: Hall) -> None:
    """Its last leaf deleted, the log is refused at start, with why, and left as it is."""
    platform = hall.platform
    size = wait_logged(platform)
    platform.kill("audit")
    platform.sql("DELETE FROM audit_log_leaves WHERE leaf_index = %s", size - 1)
    audit = platform.start("audit log", label="audit", env=AUDIT_ENV)
    assert audit.wait(timeout=60) == 1
    assert "the stored transparency log is not whole (1 leaf hash(es) stored beyond" in (
        platform.log("audit")
    )
    assert checkpoint_size(platform) == size
    assert platform.sql("SELECT count(*) FROM audit_log_leaves") == [(size - 1,)]
