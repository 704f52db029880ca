"""Ledger of token usage per session."""  # want: -

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Iterator

PRICES = {"opus": 15.0, "sonnet": 3.0}  # want: -


def retry(times: int):  # want: function retry
    """Retry a call up to times."""

    def wrap(fn):  # want: function retry.<locals>.wrap
        @functools.wraps(fn)  # want: function retry.<locals>.wrap.<locals>.inner
        def inner(*args, **kwargs):
            for _ in range(times - 1):  # want: function retry.<locals>.wrap.<locals>.inner
                try:
                    return fn(*args, **kwargs)
                except OSError:
                    pass
            return fn(*args, **kwargs)  # want: function retry.<locals>.wrap.<locals>.inner

        return inner  # want: function retry.<locals>.wrap

    return wrap  # want: function retry


# A usage row.  # want: -
@dataclass(frozen=True)  # want: class Usage
class Usage:
    model: str  # want: class Usage
    tokens: int = 0
    tags: list[str] = field(default_factory=list)

    @property  # want: method Usage.cost
    def cost(self) -> float:
        return PRICES.get(self.model, 0.0) * self.tokens / 1e6  # want: method Usage.cost


class Ledger:  # want: class Ledger
    """Rows in arrival order."""

    class Empty(Exception):  # want: class Ledger.Empty
        pass  # want: class Ledger.Empty

    def __init__(self) -> None:  # want: method Ledger.__init__
        self._rows: list[Usage] = []

    def add(self, row: Usage) -> None:  # want: method Ledger.add
        self._rows.append(row)

    @retry(times=3)  # want: method Ledger.flush
    async def flush(self, sink) -> int:  # want: method Ledger.flush
        async def send(row):  # want: function Ledger.flush.<locals>.send
            await sink.put(row)

        for row in self._rows:  # want: method Ledger.flush
            await send(row)
        return len(self._rows)

    def __iter__(self) -> Iterator[Usage]:
        yield from self._rows  # want: method Ledger.__iter__

    def total(self) -> float:
        if not self._rows:
            raise Ledger.Empty()
        return sum(
            r.cost
            for r in self._rows
        )  # want: method Ledger.total


def main() -> None:  # want: function main
    ledger = Ledger()
    ledger.add(Usage("opus", 1000))
    print(ledger.total())  # want: function main


if __name__ == "__main__":  # want: -
    main()
