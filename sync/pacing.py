"""How many changes to put in one push and one pull page, following what the link did with the last ones.

A large request makes the most of a good link (one round trip, one gzip stream), but everything in flight when a
poor link drops is lost and must go again: a whole 500-session push, a whole 2,000-client page. So each kind of
request starts small and doubles while requests come back quickly; a request that takes long halves the next one,
and so does one the link lost (a timeout, a dropped connection). The sizes outlive one sync (the app keeps one
``LinkPaces`` for its runner), so a sync that follows a cut starts where the last one left off.

Nothing here reads a clock: the engine times each request and reports it, so tests drive the pace with figures.
"""

from dataclasses import dataclass, field
from typing import Self

from protocol.api import MAX_CHANGES_PER_PUSH

# A request should take several seconds: long enough that its round trip (and the server's work on it) is a small
# part of it, short enough that a cut loses only those seconds' work. Under QUICK_S the next one doubles; over SLOW_S
# (a request near the app's 30-s read timeout) it halves. A first run with 4 s and 25 sessions / 250 clients at first
# cost 2G a third more time in round trips for no fewer bytes (docs/field-conditions.md).
QUICK_S = 10.0
SLOW_S = 20.0
FIRST_PUSH = 50
FIRST_PULL = 500
FEWEST_PUSHED = 5
FEWEST_PULLED = 50
MOST_PULLED = 2_000


class LinkPace:
    """The size of the next request of one kind, between ``least`` and ``most``."""

    def __init__(self, *, first: int, least: int, most: int):
        self.least = max(least, 1)
        self.most = max(most, self.least)
        self.size = min(max(first, self.least), self.most)

    @classmethod
    def fixed(cls, size: int) -> Self:
        """Always ``size``, whatever the link does (tests, and callers that set a size themselves)."""
        return cls(first=size, least=size, most=size)

    def answered(self, seconds: float, *, full: bool = True) -> None:
        """A request came back after ``seconds``. Only a ``full`` one (as many changes as the size allowed) shows
        that the link could take more; a slow one, full or not, shows it could not."""
        if seconds > SLOW_S:
            self._halve()
        elif seconds <= QUICK_S and full:
            self.size = min(self.size * 2, self.most)

    def lost(self) -> None:
        """The link lost a request of the current size (timed out, dropped): the next one is half as big."""
        self._halve()

    def _halve(self) -> None:
        self.size = max(self.size // 2, self.least)


def _push_pace() -> LinkPace:
    return LinkPace(first=FIRST_PUSH, least=FEWEST_PUSHED, most=MAX_CHANGES_PER_PUSH)


def _pull_pace() -> LinkPace:
    return LinkPace(first=FIRST_PULL, least=FEWEST_PULLED, most=MOST_PULLED)


@dataclass(slots=True)
class LinkPaces:
    """The push and pull paces of one device's link to its server."""

    push: LinkPace = field(default_factory=_push_pace)
    pull: LinkPace = field(default_factory=_pull_pace)

    @classmethod
    def fixed(cls, batch_size: int, pull_limit: int) -> Self:
        return cls(LinkPace.fixed(batch_size), LinkPace.fixed(pull_limit))
