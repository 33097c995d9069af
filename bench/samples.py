"""Small helpers the stages share: a fresh applicant to seal, percentiles of timings."""

from __future__ import annotations


def applicant(index: int) -> dict[str, str]:
    """A new applicant, with personal data to seal."""
    return {
        "kind": "person",
        "name": "钱七",
        "id_number": f"110101{index:012d}",
        "phone": "13800000000",
        "address": "北京市东城区某街1号",
    }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of values given in seconds, in milliseconds."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
    return ordered[index] * 1000
