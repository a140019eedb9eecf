"""Fast seeded draws for the generators.

``Random.choice`` and ``Random.randint`` go through Python-level rejection sampling, which dominated the time to make
100,000 clients; scaling one ``random()`` call is several times faster and just as reproducible for a given seed.
The tiny bias this brings is irrelevant for test data.
"""

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, lowest: int, highest: int) -> int:
    """A whole number from ``lowest`` to ``highest``, both included."""
    return lowest + int(rng.random() * (highest - lowest + 1))


def weighted_pool(shares: dict[T, int]) -> tuple[T, ...]:
    """Each item repeated by its share, so ``pick`` draws them in those proportions."""
    return tuple(item for item, share in shares.items() for _ in range(share))
