"""Huge numeric literals: parse errors past the limits, and every accepted literal prints in
every printer (trust issue, item 9) (moved from tests/test_trust_misc.py)."""

from __future__ import annotations

import pytest

# ---------------------------------------------------------------- huge literals (item 9)


@pytest.mark.parametrize("text", ["0x" + "f" * 5000, "0o" + "7" * 1200, "0b" + "1" * 4000, "9" * 1001, "1." + "0" * 1000])
def test_huge_literals_are_parse_errors(text):
    from wengert.symbolic import ParseError, parse

    with pytest.raises(ParseError, match="too long|too large"):
        parse(text)


@pytest.mark.parametrize("text", ["0x" + "f" * 830 + "*x", "9" * 1000 + "+x", "0b" + "1" * 998 + "-x"])
def test_every_accepted_literal_prints_everywhere(text):
    from wengert.symbolic import latex, parse, source, to_str, wengert_list

    e = parse(text)
    for printer in (str, to_str, latex, source, wengert_list):
        assert printer(e)
