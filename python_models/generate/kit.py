"""Vectorised building blocks: ids, string assembly and timestamp formatting on arrow arrays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)

STR = pa.string()


def vocab(values) -> pa.Array:
    return pa.array(list(values), STR)


def scramble(x: np.ndarray, bits: int, salt: int = 0) -> np.ndarray:
    """A bijection of [0, 2**bits): distinct inputs give distinct, random-looking outputs."""
    mask = np.uint64((1 << bits) - 1)
    half = np.uint64(max(1, bits // 2))
    v = (np.asarray(x, dtype=np.uint64) + np.uint64(salt)) & mask
    with np.errstate(over="ignore"):
        v = (v * _M1) & mask
        v ^= v >> half
        v = (v * _M2) & mask
        v ^= v >> half
        v = (v * _M1) & mask
    return v


def dec(values: np.ndarray, width: int = 0, prefix: str = "") -> pa.Array:
    """Integers as decimal text, zero-padded to `width`, with an optional prefix."""
    s = pa.array(np.asarray(values, dtype=np.int64)).cast(STR)
    if width:
        s = pc.utf8_lpad(s, width, "0")
    if prefix:
        s = pc.binary_join_element_wise(prefix, s, "")
    return s


def hexid(values: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    """uint64 values as lower-case hex, keeping the last `width` (<= 16) digits."""
    v = np.ascontiguousarray(np.asarray(values, dtype=np.uint64).astype(">u8"))
    text = np.frombuffer(v.tobytes().hex().encode("ascii"), dtype="S1").reshape(-1, 16)[:, 16 - width :]
    arr = pa.array(np.ascontiguousarray(text).view(f"S{width}").ravel()).cast(STR)
    if prefix:
        arr = pc.binary_join_element_wise(prefix, arr, "")
    return arr


def take(vocabulary: list[str] | pa.Array, index: np.ndarray) -> pa.Array:
    """vocabulary[index]; negative indices give nulls."""
    voc = vocabulary if isinstance(vocabulary, pa.Array) else pa.array(list(vocabulary), STR)
    index = np.asarray(index, dtype=np.int64)
    neg = index < 0
    if neg.any():
        return voc.take(pa.array(np.where(neg, 0, index), mask=neg))
    return voc.take(pa.array(index))


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate element-wise; a null part makes the result null."""
    return pc.binary_join_element_wise(*parts, "")


def where(mask: np.ndarray, a: pa.Array | str, b: pa.Array | str) -> pa.Array:
    a = pa.scalar(a, STR) if isinstance(a, str) else a
    b = pa.scalar(b, STR) if isinstance(b, str) else b
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), a, b)


def null_where(mask: np.ndarray, arr: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), pa.scalar(None, STR), arr)


def nulls(n: int) -> pa.Array:
    return pa.nulls(n, STR)


def const(value: str, n: int) -> pa.Array:
    return pa.array(np.full(n, value, dtype=object), STR) if n else pa.array([], STR)


def _ts_text(ts: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(ts, dtype=np.int64), pa.timestamp("s")).cast(STR)


def iso_z(ts: np.ndarray) -> pa.Array:
    """2025-03-01T10:00:00Z"""
    return join(pc.utf8_replace_slice(_ts_text(ts), 10, 11, "T"), "Z")


def iso_offset(ts: np.ndarray) -> pa.Array:
    """2025-03-01T10:00:00+0000"""
    return join(pc.utf8_replace_slice(_ts_text(ts), 10, 11, "T"), "+0000")


def space_utc(ts: np.ndarray) -> pa.Array:
    """2025-03-01 10:00:00 (UTC, no offset)"""
    return _ts_text(ts)


def local_text(ts: np.ndarray, tz: str = "Europe/Paris") -> pa.Array:
    """Wall-clock time in `tz` as 'YYYY-MM-DD HH:MM:SS'."""
    aware = pa.array(np.asarray(ts, dtype=np.int64), pa.timestamp("s", tz=tz))
    return pc.local_timestamp(aware).cast(STR)


def dmy_hm(text: pa.Array) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' -> 'DD/MM/YYYY HH:MM'"""
    s = pc.utf8_slice_codeunits
    return join(s(text, 8, 10), "/", s(text, 5, 7), "/", s(text, 0, 4), " ", s(text, 11, 16))


def date_text(days: np.ndarray) -> pa.Array:
    """Days since 1970-01-01 as 'YYYY-MM-DD'."""
    return pa.array(np.asarray(days, dtype=np.int32), pa.date32()).cast(STR)


def reorder_date(iso: pa.Array, sep: str, day_first: bool = True) -> pa.Array:
    """'YYYY-MM-DD' -> 'DD{sep}MM{sep}YYYY' (or month first)."""
    s = pc.utf8_slice_codeunits
    d, m, y = s(iso, 8, 10), s(iso, 5, 7), s(iso, 0, 4)
    return join(d, sep, m, sep, y) if day_first else join(m, sep, d, sep, y)


def money(cents: np.ndarray) -> pa.Array:
    """Integer cents as '12.50' (negative values keep their sign)."""
    cents = np.asarray(cents, dtype=np.int64)
    neg = cents < 0
    a = np.abs(cents)
    out = join(dec(a // 100), ".", dec(a % 100, 2))
    if neg.any():
        out = where(neg, join("-", out), out)
    return out


def group_rank(group_starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """For rows laid out group after group: the row's rank within its group."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(group_starts, counts)


def starts_of(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=out[1:])
    return out


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (rows x k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return (u[:, None] > cum).sum(axis=1)


def choice_by_group(rng: np.random.Generator, keys: np.ndarray, table: dict) -> np.ndarray:
    """For each row of `keys` (rows x m ints) pick from table[tuple(key)] = (values, probabilities)."""
    keys = np.asarray(keys, dtype=np.int64).reshape(len(keys), -1)
    out = np.empty(len(keys), dtype=np.int64)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    for g, key in enumerate(uniq):
        sel = np.flatnonzero(inverse == g)
        k = tuple(int(v) for v in key)
        values, probs = table[k if len(k) > 1 else k[0]]
        out[sel] = values[rng.choice(len(values), size=len(sel), p=probs)]
    return out
