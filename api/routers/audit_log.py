"""The transparency log, public (no token: it reveals nothing but hashes): the latest
signed checkpoint, the verifier key, and inclusion and consistency proofs (RFC 9162
§2.1.3, §2.1.4) that anyone holding a checkpoint can check with off-the-shelf tools.

Each answer costs at most two queries: one for the sizes and the leaf, one for the
O(log n) stored nodes a proof needs. Proofs of a given tree never change, so they are
cacheable; the signing key is never needed here, only the public verifier key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import Pool
from api.openapi import Responses, problem_responses
from domain.transparency.merkle import leaf_hash
from infra import audit_keys
from infra import transparency_store as store

router = APIRouter(prefix="/api/v1/audit", tags=["audit log"])
MAX_SIZE = 2**62  # leaf counts are PostgreSQL bigints
MAX_VERSION = 2**31 - 1
TreeSize = Annotated[int, Query(ge=1, le=MAX_SIZE)]
PROOF_CACHE = "public, max-age=86400"  # a proof of a given tree size never changes
LATEST_CACHE = "public, max-age=5"
NOTE_MEDIA = "text/plain; charset=utf-8"


def _text(description: str) -> Responses:
    return {
        200: {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}
    }


class InclusionProof(BaseModel):
    """An event's leaf and its audit path in a tree (RFC 9162 §2.1.3)."""

    leaf_index: int
    tree_size: int
    leaf_hash: str  # base64 of SHA-256(0x00 ‖ the event's chain hash)
    hashes: list[str]  # base64, bottom up


class ConsistencyProof(BaseModel):
    """The proof that the tree of ``first`` leaves is a prefix of that of ``second``
    (RFC 9162 §2.1.4)."""

    first: int
    second: int
    hashes: list[str]  # base64


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


@router.get(
    "/checkpoint",
    response_class=Response,
    responses={
        **_text("The latest checkpoint: a C2SP tlog-checkpoint in a signed note"),
        **problem_responses(404, descriptions={404: "No checkpoint is signed yet"}),
    },
)
def checkpoint(pool: Pool) -> Response:
    """The latest signed checkpoint (origin, tree size, base64 root hash, then the Ed25519
    signature line), as Go's ``golang.org/x/mod/sumdb/note`` and
    ``github.com/transparency-dev/formats/log`` read it; ``Last-Modified`` is when it was
    signed."""
    with pool.connection() as conn:
        latest = store.latest_checkpoint(conn)
    if latest is None:
        raise HTTPException(404, "the log has no signed checkpoint yet")
    headers = {
        "Cache-Control": "no-cache",
        "Last-Modified": format_datetime(latest.signed_at.astimezone(UTC), True),
    }
    return Response(latest.note, media_type=NOTE_MEDIA, headers=headers)


@router.get(
    "/verifier-key",
    response_class=Response,
    responses={
        **_text("The verifier key, <name>+<hex key id>+<base64 of 0x01 ‖ Ed25519 public key>"),
        **problem_responses(404, descriptions={404: "No verifier key is configured yet"}),
    },
)
def verifier_key() -> Response:
    """The key that verifies the checkpoints' signatures, in the signed-note ``vkey``
    form (public configuration: the signing key never reaches the API)."""
    verifier = audit_keys.verifier()
    if verifier is None:
        raise HTTPException(404, "no verifier key is configured yet")
    headers = {"Cache-Control": "public, max-age=3600"}
    return Response(verifier.vkey(), media_type=NOTE_MEDIA, headers=headers)


@router.get(
    "/proofs/inclusion",
    response_model=InclusionProof,
    responses=problem_responses(
        404,
        422,
        descriptions={
            404: "The event is not in the log, or not within tree_size; or no checkpoint "
            "is signed yet and tree_size is not given",
            422: "A bad parameter, or a tree_size beyond the log",
        },
    ),
)
def inclusion(
    pool: Pool,
    case_id: UUID,
    version: Annotated[int, Query(ge=1, le=MAX_VERSION)],
    tree_size: TreeSize | None = None,
) -> JSONResponse:
    """The inclusion proof of a case's (any aggregate's) event at ``version`` in the tree
    of ``tree_size`` leaves (by default the latest checkpoint's)."""
    with pool.connection() as conn:
        found = store.locate(conn, case_id, version)
        size = tree_size or found.checkpoint_size
        if size is None:
            raise HTTPException(404, "the log has no signed checkpoint yet: give tree_size")
        _within_log(size, found.log_size)
        index, digest = found.leaf_index, found.chain_hash
        if index is None or digest is None:
            raise HTTPException(404, f"version {version} of {case_id} is not in the log")
        if index >= size:
            raise HTTPException(
                404, f"version {version} of {case_id} is not within the first {size} leaves"
            )
        proof = _prove(lambda: store.reader(conn).inclusion_proof(index, size))
    body = InclusionProof(
        leaf_index=index,
        tree_size=size,
        leaf_hash=_b64(leaf_hash(digest)),
        hashes=[_b64(h) for h in proof],
    )
    cache = PROOF_CACHE if tree_size else LATEST_CACHE
    return JSONResponse(body.model_dump(), headers={"Cache-Control": cache})


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyProof,
    responses=problem_responses(
        422, descriptions={422: "first < 1, first > second, or second beyond the log"}
    ),
)
def consistency(pool: Pool, first: TreeSize, second: TreeSize) -> JSONResponse:
    """The proof that the tree of ``first`` leaves is a prefix of the tree of ``second``
    (empty when they are equal)."""
    if first > second:
        raise HTTPException(422, f"first ({first}) is larger than second ({second})")
    with pool.connection() as conn:
        _within_log(second, store.size(conn))
        proof = _prove(lambda: store.reader(conn).consistency_proof(first, second))
    body = ConsistencyProof(first=first, second=second, hashes=[_b64(h) for h in proof])
    return JSONResponse(body.model_dump(), headers={"Cache-Control": PROOF_CACHE})


def _within_log(size: int, log_size: int) -> None:
    if size > log_size:
        raise HTTPException(422, f"tree size {size} is beyond the log, which holds {log_size}")


def _prove(build: Callable[[], list[bytes]]) -> list[bytes]:
    """A proof from the stored nodes; a node missing from the store is the log's fault."""
    try:
        return build()
    except LookupError as error:
        raise HTTPException(500, f"the stored log is incomplete: {error}") from None
