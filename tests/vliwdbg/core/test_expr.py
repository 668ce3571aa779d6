"""The expression language: every accepted form, and the constructs it must refuse."""

from __future__ import annotations

import pytest

from vliwdbg.core.expr import MAX_BITS, ExprError, Location, parse_expr, parse_location

SCRATCH_NAMES = {"val_a": (10, 1), "idx_a_cur": (11, 1), "vec": (16, 8)}
REGIONS = {"header": (0, 7), "forest": (7, 15), "indices": (22, 4), "values": (26, 4)}
MEM_SIZE = 30
SCRATCH_SIZE = 1536


class FakeContext:
    """Scratch word i holds 1000 + i, memory word i holds i; reads are counted."""

    def __init__(self, scratch_names=SCRATCH_NAMES) -> None:
        self.scratch_names = scratch_names
        self.regions = REGIONS
        self.pc, self.cycle, self.step = 5, 7, 9
        self.reads: list[tuple[str, int]] = []
        self.trace = {(0, 1, "val"): 42, (2, 3, "hash_stage", 4): 77}

    def scratch_word(self, addr: int) -> int:
        self.reads.append(("s", addr))
        if not 0 <= addr < SCRATCH_SIZE:
            raise ExprError(f"scratch address {addr} is outside 0..{SCRATCH_SIZE - 1}")
        return 1000 + addr

    def mem_word(self, addr: int) -> int:
        self.reads.append(("m", addr))
        if not 0 <= addr < MEM_SIZE:
            raise ExprError(f"memory address {addr} is outside 0..{MEM_SIZE - 1}")
        return addr

    def ref(self, key: tuple) -> int:
        if key not in self.trace:
            raise ExprError(f"the reference has no value for {key}")
        return self.trace[key]


def value(text: str, ctx: FakeContext | None = None) -> int | list[int]:
    return parse_expr(text).evaluate(ctx or FakeContext())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("0x1F", 31),
        ("0b101", 5),
        ("1_000", 1000),
        ("val_a", 1010),
        ("vec", 1016),
        ("vec[3]", 1019),
        ("vec[6:]", [1022, 1023]),
        ("vec[:2]", [1016, 1017]),
        ("s[3]", 1003),
        ("s[2:5]", [1002, 1003, 1004]),
        ("m[4]", 4),
        ("m[4:6]", [4, 5]),
        ("header[0]", 0),
        ("forest[2]", 9),
        ("indices[3]", 25),
        ("values[0]", 26),
        ("values[1:3]", [27, 28]),
        ("pc", 5),
        ("cycle", 7),
        ("step", 9),
        ('ref(0, 1, "val")', 42),
        ("ref(2, 3, 'hash_stage', 4)", 77),
        ("ref(1 + 1, pc - 2, 'hash_stage', 2 * 2)", 77),
        ("1 + 2 * 3 - 4", 3),
        ("-7 // 2", -4),
        ("-7 % 3", 2),
        ("-(3)", -3),
        ("+3", 3),
        ("2 ** 10", 1024),
        ("0xF0 & 0x3C | 1 ^ 3", 0x30 | (1 ^ 3)),
        ("1 << 31", 2**31),
        ("0x80 >> 4", 8),
        ("5 >> 2000", 0),
        ("~0", 0xFFFFFFFF),
        ("~0xFFFFFFFF", 0),
        ("1 < 2", 1),
        ("2 <= 1", 0),
        ("1 < 2 < 3", 1),
        ("1 < 3 < 2", 0),
        ("3 > 2 >= 2 == 2 != 1", 1),
        ("not 0", 1),
        ("not 5", 0),
        ("1 and 2", 1),
        ("0 or 0", 0),
        ("0 or 7", 1),
        ("(1 + 2) * 3", 9),
        ("s[val_a - 1000]", 1010),
        ("s[0:2] == s[0:2]", 1),
        ("s[0:2] != m[0:2]", 1),
        ("val_a == s[10] and pc == 5", 1),
        ("  val_a + 1  ", 1011),
    ],
)
def test_accepted_forms(text: str, expected: int | list[int]) -> None:
    assert value(text) == expected


def test_results_are_plain_ints_not_bools() -> None:
    assert type(value("1 < 2")) is int
    assert type(value("not 0")) is int


def test_an_expr_is_reusable_and_reads_lazily() -> None:
    expr = parse_expr("pc == 5 and s[3] > 0")
    first, second = FakeContext(), FakeContext()
    second.pc = 6
    assert expr.evaluate(first) == 1
    assert expr.evaluate(second) == 0
    assert first.reads == [("s", 3)]
    assert second.reads == []
    assert expr.evaluate(first) == 1
    assert first.reads == [("s", 3), ("s", 3)]


def test_short_circuit_skips_a_read_that_would_fail() -> None:
    assert value("0 and s[99999]") == 0
    assert value("1 or m[99999]") == 1


def test_names_are_checked_up_front_when_given() -> None:
    expr = parse_expr("val_a + vec[1]", SCRATCH_NAMES)
    assert expr.names == {"val_a", "vec"}
    assert not expr.is_list
    assert parse_expr("s[0:4]").is_list
    with pytest.raises(ExprError, match="unknown name 'val_b'; did you mean val_a"):
        parse_expr("val_b + 1", SCRATCH_NAMES)


def test_unknown_name_found_at_evaluation_lists_close_matches() -> None:
    expr = parse_expr("1 + idx_a_curr")
    with pytest.raises(ExprError) as info:
        expr.evaluate(FakeContext())
    assert info.value.col == 4
    assert str(info.value) == "column 5: unknown name 'idx_a_curr'; did you mean idx_a_cur?"


def test_unknown_name_in_a_kernel_without_names_says_so() -> None:
    with pytest.raises(ExprError, match="names no scratch words; use s"):
        parse_expr("tmp", {})


def test_keywords_win_over_a_register_of_the_same_name() -> None:
    assert value("pc", FakeContext({"pc": (0, 1)})) == 5


@pytest.mark.parametrize(
    ("text", "message", "col"),
    [
        ("print(1)", "calling print() is not allowed", 0),
        ("val_a + __import__('os')", "calling __import__() is not allowed", 8),
        ("s.pop()", "calling a function is not allowed", 0),
        ("val_a.real", "attribute access", 0),
        ("1 + (lambda: 1)", "a lambda", 5),
        ("[x for x in s]", "a list comprehension", 0),
        ("{1: 2}", "a dict", 0),
        ("(1, 2)", "a tuple", 0),
        ("[1]", "a list display", 0),
        ("(x := 1)", "an assignment (:=)", 1),
        ("1 if pc else 2", "a conditional", 0),
        ("f'{pc}'", "an f-string", 0),
        ("'abc'", "a string is allowed only as ref()'s key", 0),
        ("1.5 + 1", "float 1.5 is not allowed", 0),
        ("True", "True is not allowed", 0),
        ("pc / 2", "use // for integer division", 0),
        ("pc in s", "'in' is not allowed", 6),
        ("pc is 1", "'is' is not allowed", 6),
        ("s[1:9:2]", "slice step", 6),
        ("s[1, 2]", "a range is s[A:B]", 0),
        ("s[1:]", "needs both A and B", 0),
        ("s", "s needs an address", 0),
        ("values", "values needs an element", 0),
        ("pc[1]", "pc cannot be indexed", 0),
        ("(1 + 2)[0]", "only s, m, regions and scratch names can be indexed", 0),
        ("ref", "ref needs arguments", 0),
        ("ref(0, 1)", "ref takes", 0),
        ("ref(0, 1, val)", "must be a quoted key", 10),
        ("ref(0, 1, 'vals')", "unknown reference key 'vals'; did you mean val", 10),
        ("ref(0, 1, 'hash_stage')", 'written ref(ROUND, I, "hash_stage", K)', 0),
        ("ref(0, 1, 'val', 2)", 'written ref(ROUND, I, "val")', 0),
        ("ref(0, 1, 'hash_stage', 6)", "hash stage must be 0..5", 24),
        ("ref(0, 1, key='val')", "no keyword arguments", 14),
        ("s[0:2] + 1", "must be a number, not a list", 0),
        ("s[0:2] < s[2:4]", "compare only with == and !=", 9),
        ("s[0:2] == 1", "cannot compare a list of words with a number", 10),
        ("1 +", "incomplete expression", 3),
        ("1 +* 2", "syntax error", 3),
        ("s[1", "syntax error: '[' was never closed", 1),
        ("", "empty expression", None),
        ("1\n+ 2", "must fit on one line", None),
        ("é + x.y", "attribute access", 4),
    ],
)
def test_refused(text: str, message: str, col: int | None) -> None:
    with pytest.raises(ExprError) as info:
        parse_expr(text)
    assert message in info.value.message
    assert info.value.col == col
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "2 ** 99999",
        "9 ** 9 ** 9",
        "1 << 100000",
        "pc << 5000",
        "(1 << 1000) * (1 << 1000)",
        "0x" + "F" * 300,
    ],
)
def test_huge_results_are_refused(text: str) -> None:
    with pytest.raises(ExprError, match=f"more than {MAX_BITS} bits"):
        value(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 ** -1", "negative exponent"),
        ("1 << -1", "negative shift count"),
        ("1 // 0", "division by zero"),
        ("pc % (cycle - 7)", "remainder by zero"),
        ("s[2000]", "scratch address 2000 is outside"),
        ("m[pc * 100]", "memory address 500 is outside"),
        ("s[-1]", "negative address"),
        ("vec[8]", "vec[8] is out of range (vec has 8 words)"),
        ("values[4]", "values[4] is out of range"),
        ("s[5:3]", "bad slice"),
        ("s[0:100000]", "longer than"),
        ("ref(9, 9, 'val')", "the reference has no value"),
        ("(" * 250 + "1" + ")" * 250, "nested"),
        ("-" * 300 + "1", "nest"),
    ],
)
def test_bad_values_are_reported_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        value(text)
    assert message in info.value.message
    assert "\n" not in str(info.value)


def test_a_context_error_gets_the_column_of_the_read() -> None:
    with pytest.raises(ExprError) as info:
        value("1 + m[99]")
    assert info.value.col == 4
    assert info.value.message.startswith("column 5: memory address 99")


def location(text: str) -> Location:
    return parse_location(text, SCRATCH_NAMES, REGIONS, scratch_size=SCRATCH_SIZE, mem_size=MEM_SIZE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("val_a", ("s", 10, 1)),
        ("vec", ("s", 16, 8)),
        ("vec[2]", ("s", 18, 1)),
        ("vec[2:5]", ("s", 18, 3)),
        ("s[100]", ("s", 100, 1)),
        ("s[8:16]", ("s", 8, 8)),
        ("s[1535]", ("s", 1535, 1)),
        ("m[3]", ("m", 3, 1)),
        ("m[3:9]", ("m", 3, 6)),
        ("m[7 + 15]", ("m", 22, 1)),
        ("header[6]", ("m", 6, 1)),
        ("forest[14]", ("m", 21, 1)),
        ("indices[1]", ("m", 23, 1)),
        ("values[3]", ("m", 29, 1)),
        ("values", ("m", 26, 4)),
    ],
)
def test_locations(text: str, expected: tuple[str, int, int]) -> None:
    loc = location(text)
    assert (loc.space, loc.start, loc.length) == expected
    assert loc.text == text
    assert loc.addresses == range(expected[1], expected[1] + expected[2])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("s[1536]", "scratch ends at 1535"),
        ("s[1530:1540]", "runs past it"),
        ("m[30]", "memory ends at 29"),
        ("s[-1]", "negative address"),
        ("s[4:4]", "empty or backward range"),
        ("s[4:]", "needs both ends"),
        ("vec[8]", "vec has 8 words"),
        ("values[4]", "values has 4 words"),
        ("s[val_a]", "must be a constant"),
        ("m[pc]", "must be a constant"),
        ("pc", "pc is not a location"),
        ("s", "s needs an address"),
        ("val_a + 1", "a location is a scratch name"),
        ("vall_a", "unknown name 'vall_a'; did you mean val_a"),
        ("print(1)", "a location is"),
        ("m[", "syntax error"),
    ],
)
def test_bad_locations(text: str, message: str) -> None:
    with pytest.raises(ExprError, match=None) as info:
        location(text)
    assert message in info.value.message


def test_a_region_the_problem_lacks() -> None:
    with pytest.raises(ExprError, match="no region values"):
        parse_location("values[0]", {}, {}, scratch_size=SCRATCH_SIZE, mem_size=MEM_SIZE)


def test_a_single_comparison_offers_its_sides() -> None:
    expr = parse_expr("val_a + 1 == ref(0, 1, 'val')")
    assert expr.sides is not None
    left, right = expr.sides
    assert (left.text, right.text) == ("val_a + 1", "ref(0, 1, 'val')")
    ctx = FakeContext()
    assert (left.evaluate(ctx), right.evaluate(ctx)) == (1011, 42)
    assert left.names == {"val_a"} and right.names == frozenset()
    assert parse_expr("1 < 2 < 3").sides is None
    assert parse_expr("val_a").sides is None
    assert parse_expr("s[0:2] == m[0:2]").sides[0].is_list
