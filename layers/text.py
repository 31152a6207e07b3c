"""Text a person reads, in Chinese and English: the one :class:`gis.messages.Text`, named where layers use it."""

from __future__ import annotations

from gis.messages import Text

__all__ = ["Text"]
