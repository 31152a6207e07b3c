"""Unified social credit codes (统一社会信用代码) of project owners and investors.

Source: GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》 (mandatory, in force since 2015-10-01).
A code has 18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S, V):

* character 1: registration authority (登记管理部门代码), see :data:`REGISTRATION_AUTHORITIES`;
* character 2: organisation type within that authority (机构类别代码);
* characters 3-8: administrative division of the registration authority (GB/T 2260), digits;
* characters 9-17: organisation code (主体标识码, GB 11714): 8 characters and their check digit;
* character 18: check character over characters 1-17.

The check character is ``31 - (Σ value(cᵢ) × wᵢ mod 31)`` (31 becomes 0) with the weights
``3^i mod 31`` = 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28, where a character's value
is its index in the alphabet above.

Choices
-------
* The GB 11714 check digit inside the organisation code (weights 3, 7, 9, 10, 5, 8, 4, 2; ``11 - Σ mod
  11``, 10 → ``X``, 11 → ``0``; letters count A=10 … Z=35) is validated. Every real code checked while
  writing this module satisfies it, including the odd ones below.
* The 18th-character check is validated by default, but real codes exist that fail it: some Xiamen
  enterprises registered before 2016 carry codes such as ``91350203M0001QKT19`` (a 思明区 company whose
  reporter found it in the commercial registers) whose check character is ``9`` where the formula gives
  ``F``; reported to the Hutool project (issue 4119), whose maintainer answered that some Xiamen
  enterprises registered before 2016 do not follow the standard.
  A platform for Xiamen must be able to accept them, so :func:`validate_credit_code` takes
  ``verify_check_character=False`` for a code a person has confirmed in the register; everything else is
  still checked.
* Character 2 is only checked against the alphabet: the organisation types differ per authority and the
  list has grown since 2015. Characters 3-8 must be digits; no table of regions is applied, since
  ``100000`` (national registration) is valid here.
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType
from typing import Final, Literal

from gis.messages import Message, Text, phrases

__all__ = [
    "ALPHABET",
    "REGISTRATION_AUTHORITIES",
    "CreditCodeError",
    "CreditCodePart",
    "credit_code_check_character",
    "make_credit_code",
    "organization_code_check_character",
    "validate_credit_code",
]

ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES: Final = {char: value for value, char in enumerate(ALPHABET)}
_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_ORGANIZATION_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

#: Registration authorities (character 1) of GB 32100-2015, table 1.
REGISTRATION_AUTHORITIES: Final = MappingProxyType(
    {
        "1": "机构编制",
        "2": "外交",
        "3": "司法行政",
        "4": "文化",
        "5": "民政",
        "6": "旅游",
        "7": "宗教",
        "8": "工会",
        "9": "工商",
        "A": "中央军委改革和编制办公室",
        "N": "农业",
        "Y": "其他",
    }
)

CreditCodePart = Literal["length", "character", "registration_authority", "region", "organization_code", "check"]


class CreditCodeError(ValueError):
    """A unified social credit code is invalid.

    ``part`` names what is wrong (``"length"``, ``"character"``, ``"registration_authority"``,
    ``"region"``, ``"organization_code"`` or ``"check"``); ``position`` is the 1-based character
    position where that applies.
    """

    def __init__(self, part: CreditCodePart, message: Message, position: int | None = None) -> None:
        super().__init__(message)
        self.part: CreditCodePart = part
        self.message = message
        self.position = position


phrases(
    "credit_code",
    character=Text("第{position}位的字符“{char}”不合法；只允许0-9与A-Z（不含I、O、Z、S、V）",
                   "illegal character {char!r} at position {position}; allowed are 0-9 and A-Z without I, O, Z, S, V"),
    length=Text("{what}有{length}个字符，应为{expected}个", "{what} has {length} characters, expected {expected}"),
    body=Text("组织机构代码本体", "organisation code body"),
    first17=Text("不含校验码的统一社会信用代码", "credit code without its check character"),
    code=Text("统一社会信用代码", "credit code"),
    body_characters=Text("组织机构代码本体“{body}”只能由0-9或A-Z组成",
                         "organisation code body {body!r} must be 0-9 or A-Z"),
    authority=Text("第1位登记管理部门代码为“{char}”，应为以下之一：{allowed}",
                   "registration authority code is {char!r} at position 1, expected one of {allowed}"),
    region=Text("第3至8位登记管理机关行政区划码为“{region}”，应为6位数字",
                "registration region code is {region!r} at positions 3-8, expected 6 digits"),
    organization_check=Text("第17位组织机构代码校验码为“{digit}”，应为“{expected}”（GB 11714）",
                            "organisation code check digit is {digit!r} at position 17, expected {expected!r} "
                            "(GB 11714)"),
    check=Text("校验码为“{char}”，应为“{expected}”", "check character is {char!r}, expected {expected!r}"),
)


def _check_characters(code: str) -> None:
    for position, char in enumerate(code, start=1):
        if char not in _VALUES:
            raise CreditCodeError("character", Message("credit_code.character", char=char, position=position),
                                  position)


def _check_length(code: str, expected: int, what: str) -> None:
    """``what``: ``body``, ``first17`` or ``code``."""
    if len(code) != expected:
        raise CreditCodeError("length", Message("credit_code.length", what=Message(f"credit_code.{what}"),
                                                length=len(code), expected=expected))


def organization_code_check_character(body8: str) -> str:
    """Return the GB 11714 check digit of an 8-character organisation code body."""
    _check_length(body8, 8, "body")
    if not all(char.isascii() and char.isalnum() and not char.islower() for char in body8):
        raise CreditCodeError("organization_code", Message("credit_code.body_characters", body=body8))
    total = sum(int(char, 36) * weight for char, weight in zip(body8, _ORGANIZATION_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_check_character(first17: str) -> str:
    """Return the 18th character for the first 17 characters of a code (upper case)."""
    _check_length(first17, 17, "first17")
    _check_characters(first17)
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[-total % 31]


def _check_first17(first17: str) -> None:
    _check_characters(first17)
    if first17[0] not in REGISTRATION_AUTHORITIES:
        raise CreditCodeError("registration_authority", Message(
            "credit_code.authority", char=first17[0], allowed=list(REGISTRATION_AUTHORITIES)), 1)
    region = first17[2:8]
    if not region.isdigit():
        raise CreditCodeError("region", Message("credit_code.region", region=region), 3)
    organization, digit = first17[8:16], first17[16]
    expected = organization_code_check_character(organization)
    if digit != expected:
        raise CreditCodeError("organization_code", Message("credit_code.organization_check", digit=digit,
                                                           expected=expected), 17)


def validate_credit_code(text: str, *, verify_check_character: bool = True) -> str:
    """Validate a code and return it normalised (stripped, full-width folded, upper case).

    With ``verify_check_character=False`` the 18th character is not compared with the formula (for a
    genuine code that predates it, see the module docstring); every other rule still applies.
    Raises :class:`CreditCodeError` saying what is wrong.
    """
    code = unicodedata.normalize("NFKC", text).strip().upper()
    _check_length(code, 18, "code")
    _check_characters(code)
    _check_first17(code[:17])
    expected = credit_code_check_character(code[:17])
    if verify_check_character and code[17] != expected:
        raise CreditCodeError("check", Message("credit_code.check", char=code[17], expected=expected), 18)
    return code


def make_credit_code(first17: str) -> str:
    """Complete 17 characters (organisation code check digit included) into a valid code.

    For sample data: build the organisation code with :func:`organization_code_check_character`, then
    let this function add the 18th character.
    """
    first17 = first17.strip().upper()
    _check_length(first17, 17, "first17")
    _check_first17(first17)
    return first17 + credit_code_check_character(first17)
