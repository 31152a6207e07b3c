"""Sentences a person reads, in Chinese and English, kept as a catalogue key and its values until shown.

A layer that refuses input never glues English into its error: it raises with a :class:`Message` — the key
of a phrase registered with :func:`phrases` next to the errors that use it, and the values the phrase names.
The API renders the message once, at its boundary, in the caller's language (``api/language.py``); the
command line and the logs read ``str(message)``, the English. :func:`phrases` takes every phrase as a
:class:`Text`, which has no default for either language, so no message exists in one language only;
``tests/test_problem_languages.py`` checks that each pair is filled in, differs, and names the same values.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@dataclass(frozen=True)
class Text:
    """A text in both languages; ``{name}`` fields are filled by :class:`Message`."""

    zh: str
    en: str

    def in_language(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


CATALOGUE: dict[str, Text] = {}
"""Every registered phrase by its key (``namespace.name``); filled as the modules that declare them load."""


def phrases(namespace: str, **entries: Text) -> None:
    """Register ``namespace.<name>`` for each entry; a key registered twice is a programming error."""
    for name, phrase in entries.items():
        key = f"{namespace}.{name}"
        if key in CATALOGUE:
            raise ValueError(f"message {key!r} is registered twice")
        CATALOGUE[key] = phrase


_BILINGUAL = re.compile(r"^(?P<zh>[^A-Za-z]*[\u3400-\u9fff][^A-Za-z]*?)\s+(?P<en>[A-Za-z].*)$")
"""A name written in both languages, Chinese first: ``生态保护红线 Ecological red line``."""


def one_language(name: str, language: str) -> str:
    """A stored name shown in one language: the Chinese or the English half of a name written in both
    (``生态保护红线 Ecological red line``), any other name as it is. web/static/js/blueprint.js has its twin."""
    match = _BILINGUAL.match(name.strip())
    if match is None:
        return name
    return match.group("zh").strip() if language == "zh" else match.group("en").strip()


def stored_name(name: str) -> Text:
    """A stored name (a layer's) as a message value: each language reads its own half of a bilingual name."""
    return Text(one_language(name, "zh"), one_language(name, "en"))


def english_only(words: str) -> Text:
    """A third party's English words (GDAL's or PROJ's reason, an EPSG area's name): given to the English
    reader, left out of the Chinese sentence, which says what they mean in its own words."""
    return Text("", words)


def placeholders(template: str) -> set[str]:
    """The value names a template fills in (``{ring}``, ``{count:,}`` → ``ring``, ``count``)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Clauses(list[Any]):
    """Values that are sentences of their own: joined with semicolons, where a plain list takes commas."""


def _joiner(value: list[Any] | tuple[Any, ...], language: str) -> str:
    if isinstance(value, Clauses):
        return "；" if language == "zh" else "; "
    return "、" if language == "zh" else ", "


class Message:
    """A registered phrase and its values. Values may be messages, :class:`Text` or lists of them."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params: Any) -> None:
        if key not in CATALOGUE:
            raise KeyError(f"no message {key!r} is registered")
        self.key, self.params = key, params

    def render(self, language: str) -> str:
        values = {name: render_value(value, language) for name, value in self.params.items()}
        return CATALOGUE[self.key].in_language(language).format(**values)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Message({self.key!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)


def message_of(error: BaseException) -> Message:
    """The message an error carries as its first argument (every error a person reads does)."""
    detail = error.args[0] if error.args else None
    if not isinstance(detail, Message):
        raise TypeError(f"{type(error).__name__} carries no Message but {detail!r}")
    return detail


def render_value(value: Any, language: str) -> Any:
    """A value as it reads in ``language``: messages and texts rendered, lists joined; numbers kept, so that a
    template's format spec (``{area:,.0f}``) still applies."""
    if isinstance(value, Message):
        return value.render(language)
    if isinstance(value, Text):
        return value.in_language(language)
    if isinstance(value, list | tuple):
        return _joiner(value, language).join(str(render_value(item, language)) for item in value)
    return value


def render_all(values: Any, language: str) -> Any:
    """Every message inside a problem's extra members (reasons, issues) rendered in ``language``; lists stay
    lists."""
    if isinstance(values, Mapping):
        return {name: render_all(value, language) for name, value in values.items()}
    if isinstance(values, list | tuple):
        return [render_all(value, language) for value in values]
    if isinstance(values, Message | Text):
        return render_value(values, language)
    return values
