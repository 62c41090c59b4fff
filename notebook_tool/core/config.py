"""The settings in force for one vault, as a plain value (read from ``guanxi.toml`` by :mod:`notebook_tool.read.config`)."""

from __future__ import annotations

from dataclasses import dataclass, field

CONFIG_NAME = "guanxi.toml"


@dataclass(frozen=True, slots=True)
class Config:
    """Settings in force for one vault (defaults where the file is silent)."""

    contacts: tuple[str, ...] | None = None  # None: the whole vault
    output: str = "_index"
    cadence_days: int = 90
    tag_cadence: tuple[tuple[str, int], ...] = ()
    owe_band: float = 0.0
    promise_grace_days: int = 7
    new_connection_days: int = 30
    birthday_window_days: int = 14
    half_life_days: int | None = None
    max_front_matter: int = 65536
    synonyms: tuple[tuple[str, ...], ...] = ()  # [introductions] synonyms: groups of phrases that mean one thing
    notes: tuple[str, ...] = ()  # folders of dated notes whose links count as touches
    tag_cadence_map: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def cadence_for_tag(self, tag: str) -> int | None:
        return self.tag_cadence_map.get(tag.casefold())
