"""'did you mean' suggestions: the closest candidate by edit distance, earlier candidates win ties."""

from __future__ import annotations

from collections.abc import Iterable


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), case-insensitive."""
    a, b = a.lower(), b.lower()
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > 3:
        return max(la, lb)
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[lb]


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The best candidate within a length-dependent threshold, or None."""
    best: str | None = None
    best_d = 99
    limit = 1 if len(word) <= 3 else 2 if len(word) <= 6 else 3
    for cand in candidates:
        if cand == word:
            continue
        d = distance(word, cand)
        if d < best_d and (d <= limit or (len(word) > 3 and cand.lower().startswith(word.lower()))):
            best, best_d = cand, d
    return best


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`did you mean 'X'?` or ""."""
    best = closest(word, candidates)
    return f"did you mean '{best}'?" if best is not None else ""
