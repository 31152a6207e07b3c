"""Text a person reads, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def in_language(self, language: str) -> str:
        return self.zh if language == "zh" else self.en
