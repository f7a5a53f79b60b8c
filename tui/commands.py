"""The command palette offers the commands of the screen it was opened on."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import partial

from textual.command import DiscoveryHit, Hit, Provider
from textual.dom import DOMNode


class ScreenCommands(Provider):
    def _commands(self) -> list[tuple[str, str, DOMNode, str]]:
        seen: set[str] = set()
        found: list[tuple[str, str, DOMNode, str]] = []
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.description in seen or not active.enabled:
                continue
            seen.add(binding.description)
            found.append((binding.description, binding.action, active.node, f"{key}  {binding.tooltip}".strip()))
        return found

    async def discover(self) -> AsyncGenerator[DiscoveryHit, None]:
        for description, action, node, help_text in self._commands():
            yield DiscoveryHit(description, partial(self.app.run_action, action, node), help=help_text)

    async def search(self, query: str) -> AsyncGenerator[Hit, None]:
        matcher = self.matcher(query)
        for description, action, node, help_text in self._commands():
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(description), partial(self.app.run_action, action, node), help=help_text
                )
