"""SipHash-2-4 and zot's choice of a repository's member, in pure Python, to test how repositories spread.

zot v2.1.18 pkg/cluster/cluster.go L10-17 (ComputeTargetMember): `siphash.New([]byte(hashKey))`, the repository
name written in, `Sum64() % len(members)`; dchest/siphash v1.2.3 (zot's go.mod) is standard SipHash-2-4 with the
16-byte key read as two little-endian words. Checked against the SipHash paper's test vector and zot's own
pkg/cluster/cluster_test.go L20-24 (tests/test_scale.py).
"""

from __future__ import annotations

MASK = (1 << 64) - 1
# "somepseudorandomlygeneratedbytes", the initial state of the SipHash paper (Aumasson, Bernstein 2012, §2).
INIT = (0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573)


def _rotate(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & MASK


def _sip_round(v: list[int]) -> None:
    v[0] = (v[0] + v[1]) & MASK
    v[1] = _rotate(v[1], 13) ^ v[0]
    v[0] = _rotate(v[0], 32)
    v[2] = (v[2] + v[3]) & MASK
    v[3] = _rotate(v[3], 16) ^ v[2]
    v[0] = (v[0] + v[3]) & MASK
    v[3] = _rotate(v[3], 21) ^ v[0]
    v[2] = (v[2] + v[1]) & MASK
    v[1] = _rotate(v[1], 17) ^ v[2]
    v[2] = _rotate(v[2], 32)


def siphash24(key: bytes, message: bytes) -> int:
    """The 64-bit SipHash-2-4 of `message` under a 16-byte key: 2 rounds per 8-byte word, 4 to finish."""
    if len(key) != 16:
        raise ValueError("SipHash takes a 16-byte key")
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    v = [INIT[0] ^ k0, INIT[1] ^ k1, INIT[2] ^ k0, INIT[3] ^ k1]
    whole = len(message) - len(message) % 8
    # The last word holds the remaining bytes, zero-padded, with the message length (mod 256) as its top byte.
    last = message[whole:] + bytes(7 - len(message) % 8) + bytes([len(message) & 0xFF])
    for word in [message[i : i + 8] for i in range(0, whole, 8)] + [last]:
        m = int.from_bytes(word, "little")
        v[3] ^= m
        _sip_round(v)
        _sip_round(v)
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        _sip_round(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def target_member(hash_key: str, members: list[str], repository: str) -> int:
    """The index of the member that owns `repository`, as zot computes it."""
    return siphash24(hash_key.encode(), repository.encode()) % len(members)
