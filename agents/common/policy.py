"""The one interface every agent answers, as Stable-Baselines3's ``predict`` does."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Policy(Protocol):
    """Anything that maps an observation to an action."""

    def predict(
        self, observation: Any, state: Any = None, episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[Any, Any]:
        """Return ``(action, next_state)``; ``next_state`` is None for memoryless agents."""
        ...
