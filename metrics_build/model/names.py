"""Names in one output: ReSim's reader needs every metric, data and event name to be distinct."""

from __future__ import annotations


class Names:
    """Hands out names that no other metric, data or event of the output uses."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def __contains__(self, name: str) -> bool:
        return name in self._used

    def claim(self, name: str) -> bool:
        """Take `name` exactly; False (and nothing taken) when it is already used."""
        if name in self._used:
            return False
        self._used.add(name)
        return True

    def unique(self, base: str) -> str:
        """`base` if free, else `base (2)`, `base (3)`, ... (the first free one), taken."""
        name, n = base, 1
        while name in self._used:
            n += 1
            name = f"{base} ({n})"
        self._used.add(name)
        return name
