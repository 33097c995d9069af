"""The global transparency log of DESIGN.md §3: an RFC 9162 Merkle tree over every
event's chain hash, and the signed checkpoints (C2SP ``tlog-checkpoint`` in a
``signed-note``) that commit to it. Pure: storage and signing keys live elsewhere."""
