"""The debugger's expression language, and the locations that watchpoints name.

A user's text is parsed with `ast` and only a whitelist of constructs is accepted; nothing
is ever passed to eval or exec. The accepted tree is compiled once into a tree of small
closures, because a break condition is evaluated at every stop candidate and must be cheap.
Values come from an `EvalContext` (the session), read lazily as the closures run, so an
expression costs only the words it actually touches.

Numbers are exact Python integers (a difference may be negative), bounded to `MAX_BITS`
bits so that no expression can build a huge integer; `~x` flips the low 32 bits, as on the
machine's words.
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from machine.problem import HASH_STAGES

#: Largest integer an expression may hold, in bits. Words are 32 bits; this leaves room for
#: any sensible arithmetic on them while keeping every operation cheap.
MAX_BITS = 1024
#: Longest slice (in words) that `s[A:B]`, `m[A:B]` and friends may read.
MAX_SLICE = 1 << 16
MAX_TEXT = 4000
MAX_DEPTH = 100
WORD_MASK = 0xFFFFFFFF

STATE_NAMES = ("pc", "cycle", "step")
SPACE_NAMES = ("s", "m")
REGION_NAMES = ("header", "forest", "indices", "values")
REF_KEYS = ("idx", "val", "node_val", "hash_stage", "hashed_val", "next_idx", "wrapped_idx")
N_HASH_STAGES = len(HASH_STAGES)
REF_NAME = "ref"
RESERVED = (*STATE_NAMES, *SPACE_NAMES, *REGION_NAMES, REF_NAME)


class ExprError(ValueError):
    """A bad expression or location, or a value that cannot be read.

    `message` is one line and, when the fault has a place, starts with its column
    (1-based, as editors count); `col` is the same place 0-based, or None.
    """

    def __init__(self, detail: str, col: int | None = None) -> None:
        self.detail = detail
        self.col = col
        self.message = detail if col is None else f"column {col + 1}: {detail}"
        super().__init__(self.message)


class EvalContext(Protocol):
    """What an expression reads. The session implements it over its current position."""

    scratch_names: Mapping[str, tuple[int, int]]
    regions: Mapping[str, tuple[int, int]]
    pc: int
    cycle: int
    step: int

    def scratch_word(self, addr: int) -> int: ...

    def mem_word(self, addr: int) -> int: ...

    def ref(self, key: tuple) -> int: ...


Value = int | list[int]
Evaluator = Callable[[EvalContext], Value]


class Expr:
    """A parsed expression, reusable: `evaluate` only runs the compiled closures.

    `is_list` says whether it yields a list of words (a slice) rather than one number, and
    `names` holds the scratch names it reads, so that a caller can check them up front.
    `sides` is, for a single comparison `A op B`, the two operands as expressions of their
    own, so that a failed `expect` can show what each side was.
    """

    __slots__ = ("_fn", "is_list", "names", "sides", "text")

    def __init__(
        self,
        text: str,
        fn: Evaluator,
        is_list: bool,
        names: frozenset[str],
        sides: tuple[Expr, Expr] | None = None,
    ) -> None:
        self.text = text
        self._fn = fn
        self.is_list = is_list
        self.names = names
        self.sides = sides

    def evaluate(self, ctx: EvalContext) -> int | list[int]:
        return self._fn(ctx)

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"


@dataclass(frozen=True)
class Location:
    """A fixed run of words that a watchpoint observes: `length` words from `start` in
    scratch ("s") or memory ("m"). `text` is how the user wrote it."""

    space: str
    start: int
    length: int
    text: str

    @property
    def addresses(self) -> range:
        return range(self.start, self.start + self.length)


def parse_expr(text: str, scratch_names: Mapping[str, tuple[int, int]] | None = None) -> Expr:
    """Parse and compile `text`; raise ExprError pointing at the first refused construct.

    With `scratch_names`, names are checked now (unknown ones are refused with close
    matches); without, they are looked up in the context at each evaluation.
    """
    tree = _parse(text)
    compiler = _Compiler(text, scratch_names)
    node = compiler.compile(tree.body)
    body = tree.body
    sides = None
    if isinstance(body, ast.Compare) and len(body.ops) == 1:
        sides = (_side(text, body.left, scratch_names), _side(text, body.comparators[0], scratch_names))
    return Expr(text.strip(), node.fn, node.is_list, frozenset(compiler.names), sides)


def _side(text: str, part: ast.expr, scratch_names: Mapping[str, tuple[int, int]] | None) -> Expr:
    compiler = _Compiler(text, scratch_names)
    node = compiler.compile(part)
    source = ast.get_source_segment(text.strip(), part) or ""
    return Expr(source, node.fn, node.is_list, frozenset(compiler.names))


def parse_location(
    text: str,
    scratch_names: Mapping[str, tuple[int, int]],
    regions: Mapping[str, tuple[int, int]],
    *,
    scratch_size: int,
    mem_size: int,
) -> Location:
    """Parse a watch location: a scratch name (its whole register), `name[i]`, `s[A]`,
    `s[A:B]`, `m[A]`, `m[A:B]`, or a region's element `values[i]` (or the whole region).
    Addresses must be constant (arithmetic on numbers is fine) and inside the machine."""
    tree = _parse(text)
    compiler = _Compiler(text, scratch_names)
    body = tree.body
    col = compiler.col(body)
    if isinstance(body, ast.Name):
        base, index = body, None
    elif isinstance(body, ast.Subscript) and isinstance(body.value, ast.Name):
        base, index = body.value, body.slice
    else:
        raise ExprError(
            "a location is a scratch name, name[i], s[A], s[A:B], m[A], m[A:B] or a region element", col
        )
    name = base.id
    if name in SPACE_NAMES:
        space = name
        size = scratch_size if name == "s" else mem_size
        what = "scratch" if name == "s" else "memory"
        if index is None:
            raise ExprError(f"{name} needs an address: {name}[A] or {name}[A:B]", col)
        start, stop = compiler.const_range(index, None)
        if stop > size:
            raise ExprError(f"{what} ends at {size - 1}; {text.strip()} runs past it", col)
        return Location(space, start, stop - start, text.strip())
    if name in REGION_NAMES:
        if name not in regions:
            raise ExprError(f"this problem has no region {name}", col)
        start, length = regions[name]
        space = "m"
    elif name in STATE_NAMES or name == REF_NAME:
        raise ExprError(f"{name} is not a location in scratch or memory", col)
    else:
        entry = scratch_names.get(name)
        if entry is None:
            raise compiler.unknown_name(name, scratch_names, col)
        start, length = entry
        space = "s"
    if index is None:
        return Location(space, start, length, text.strip())
    lo, hi = compiler.const_range(index, length)
    if hi > length:
        raise ExprError(f"{name} has {length} words; {text.strip()} runs past it", col)
    return Location(space, start + lo, hi - lo, text.strip())


def _parse(text: str) -> ast.Expression:
    if "\n" in text or "\r" in text:
        raise ExprError("an expression must fit on one line")
    if len(text) > MAX_TEXT:
        raise ExprError(f"expression too long ({len(text)} characters; at most {MAX_TEXT})")
    if not text.strip():
        raise ExprError("empty expression")
    if "\0" in text:
        raise ExprError("expression holds a NUL character", text.index("\0"))
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    try:
        return ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        if not exc.offset:
            # The parser ran off the end: the expression is cut short.
            raise ExprError("incomplete expression", lead + len(stripped)) from None
        raise ExprError(f"syntax error: {exc.msg}", lead + exc.offset - 1) from None
    except (RecursionError, MemoryError):
        raise ExprError("expression nests too deeply") from None


@dataclass
class _Node:
    fn: Evaluator
    is_list: bool = False
    const: int | None = None


def _fit(value: int, col: int) -> int:
    if value.bit_length() > MAX_BITS:
        raise ExprError(f"result has more than {MAX_BITS} bits", col)
    return value


def _floordiv(a: int, b: int, col: int) -> int:
    if b == 0:
        raise ExprError("division by zero", col)
    return a // b


def _mod(a: int, b: int, col: int) -> int:
    if b == 0:
        raise ExprError("remainder by zero", col)
    return a % b


def _lshift(a: int, b: int, col: int) -> int:
    if b < 0:
        raise ExprError(f"negative shift count {b}", col)
    if a == 0:
        return 0
    if a.bit_length() + b > MAX_BITS:
        raise ExprError(f"shift by {b} gives more than {MAX_BITS} bits", col)
    return a << b


def _rshift(a: int, b: int, col: int) -> int:
    if b < 0:
        raise ExprError(f"negative shift count {b}", col)
    if b >= a.bit_length():
        return 0 if a >= 0 else -1
    return a >> b


def _pow(a: int, b: int, col: int) -> int:
    if b < 0:
        raise ExprError(f"negative exponent {b}", col)
    if a in (0, 1) or b == 0:
        return 1 if b == 0 else a
    if a == -1:
        return 1 if b % 2 == 0 else -1
    if (abs(a).bit_length() - 1) * b > MAX_BITS:
        raise ExprError(f"power gives more than {MAX_BITS} bits", col)
    return _fit(a**b, col)


def _checked(op: Callable[[int, int], int]) -> Callable[[int, int, int], int]:
    return lambda a, b, col: _fit(op(a, b), col)


_BINOPS: dict[type, tuple[str, Callable[[int, int, int], int]]] = {
    ast.Add: ("+", _checked(operator.add)),
    ast.Sub: ("-", _checked(operator.sub)),
    ast.Mult: ("*", _checked(operator.mul)),
    ast.FloorDiv: ("//", _floordiv),
    ast.Mod: ("%", _mod),
    ast.BitAnd: ("&", _checked(operator.and_)),
    ast.BitOr: ("|", _checked(operator.or_)),
    ast.BitXor: ("^", _checked(operator.xor)),
    ast.LShift: ("<<", _lshift),
    ast.RShift: (">>", _rshift),
    ast.Pow: ("**", _pow),
}

_UNARY: dict[type, Callable[[int], int]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: lambda x: x ^ WORD_MASK,
    ast.Not: lambda x: 0 if x else 1,
}

_REFUSED_BINOPS = {
    ast.Div: "'/' is not allowed; use // for integer division",
    ast.MatMult: "'@' is not allowed",
}

_COMPARES: dict[type, Callable[[object, object], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}

_CONSTRUCT_NAMES: dict[type, str] = {
    ast.Attribute: "attribute access (.name)",
    ast.Lambda: "a lambda",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Starred: "starred *unpacking",
    ast.NamedExpr: "an assignment (:=)",
    ast.IfExp: "a conditional (x if c else y)",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.List: "a list display [...]",
    ast.Tuple: "a tuple (a comma outside a call)",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.Slice: "a slice outside [...]",
}


class _Compiler:
    """Turns an accepted ast into closures, refusing everything off the whitelist."""

    def __init__(self, text: str, scratch_names: Mapping[str, tuple[int, int]] | None) -> None:
        stripped = text.strip()
        self.lead = len(text) - len(text.lstrip())
        self.encoded = stripped.encode("utf-8")
        self.scratch_names = scratch_names
        self.names: set[str] = set()
        self.depth = 0

    def col(self, node: ast.AST) -> int:
        """The node's 0-based column in characters (ast counts UTF-8 bytes)."""
        offset = getattr(node, "col_offset", 0)
        return self.lead + len(self.encoded[:offset].decode("utf-8", errors="replace"))

    def compile(self, node: ast.AST) -> _Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"expression nests deeper than {MAX_DEPTH} levels", self.col(node))
        try:
            method = getattr(self, "_" + type(node).__name__, None)
            if method is None:
                raise self.refuse(node)
            return method(node)
        finally:
            self.depth -= 1

    def number(self, node: ast.AST, role: str) -> _Node:
        """Compile a sub-expression that must give one number, not a slice."""
        result = self.compile(node)
        if result.is_list:
            raise ExprError(f"{role} must be a number, not a list of words", self.col(node))
        return result

    def refuse(self, node: ast.AST) -> ExprError:
        what = _CONSTRUCT_NAMES.get(type(node), f"'{type(node).__name__}'")
        return ExprError(f"{what} is not allowed in an expression", self.col(node))

    def unknown_name(self, name: str, scratch_names: Mapping[str, tuple[int, int]], col: int) -> ExprError:
        candidates = [*scratch_names, *RESERVED]
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
        if close:
            hint = "did you mean " + ", ".join(close) + "?"
        elif not scratch_names:
            hint = "this kernel names no scratch words; use s[ADDR]"
        else:
            hint = "not a scratch name of this kernel"
        return ExprError(f"unknown name '{name}'; {hint}", col)

    # --- leaves -------------------------------------------------------------------------

    def _Constant(self, node: ast.Constant) -> _Node:
        value = node.value
        col = self.col(node)
        if type(value) is int:
            if value.bit_length() > MAX_BITS:
                raise ExprError(f"number has more than {MAX_BITS} bits", col)
            return _Node(lambda ctx: value, const=value)
        if isinstance(value, str):
            raise ExprError("a string is allowed only as ref()'s key", col)
        if isinstance(value, bool) or value is None:
            raise ExprError(f"{value} is not allowed; use 1 or 0", col)
        if isinstance(value, float | complex):
            raise ExprError(f"{type(value).__name__} {value!r} is not allowed; only integers", col)
        raise ExprError(f"{value!r} is not allowed in an expression", col)

    def _Name(self, node: ast.Name) -> _Node:
        name = node.id
        col = self.col(node)
        if name == "pc":
            return _Node(lambda ctx: ctx.pc)
        if name == "cycle":
            return _Node(lambda ctx: ctx.cycle)
        if name == "step":
            return _Node(lambda ctx: ctx.step)
        if name in SPACE_NAMES:
            raise ExprError(f"{name} needs an address: {name}[A] or {name}[A:B]", col)
        if name in REGION_NAMES:
            raise ExprError(f"{name} needs an element: {name}[i] or {name}[i:j]", col)
        if name == REF_NAME:
            raise ExprError('ref needs arguments: ref(ROUND, I, "KEY")', col)
        self.check_name(name, col)
        unknown = self.unknown_name

        def scratch_name(ctx: EvalContext) -> Value:
            entry = ctx.scratch_names.get(name)
            if entry is None:
                raise unknown(name, ctx.scratch_names, col)
            return _scratch_reader(ctx, entry[0], col)

        return _Node(scratch_name)

    def check_name(self, name: str, col: int) -> None:
        if self.scratch_names is not None and name not in self.scratch_names:
            raise self.unknown_name(name, self.scratch_names, col)
        self.names.add(name)

    # --- operators ----------------------------------------------------------------------

    def _BinOp(self, node: ast.BinOp) -> _Node:
        col = self.col(node)
        refused = _REFUSED_BINOPS.get(type(node.op))
        if refused is not None:
            raise ExprError(refused, col)
        symbol, op = _BINOPS[type(node.op)]
        left = self.number(node.left, f"the left side of {symbol}")
        right = self.number(node.right, f"the right side of {symbol}")
        if left.const is not None and right.const is not None:
            value = op(left.const, right.const, col)
            return _Node(lambda ctx: value, const=value)
        lf, rf = left.fn, right.fn
        return _Node(lambda ctx: op(lf(ctx), rf(ctx), col))

    def _UnaryOp(self, node: ast.UnaryOp) -> _Node:
        operand = self.number(node.operand, "the operand")
        fn = _UNARY[type(node.op)]
        if operand.const is not None:
            value = fn(operand.const)
            return _Node(lambda ctx: value, const=value)
        of = operand.fn
        return _Node(lambda ctx: fn(of(ctx)))

    def _BoolOp(self, node: ast.BoolOp) -> _Node:
        parts = [self.number(v, "an operand of and/or").fn for v in node.values]
        if isinstance(node.op, ast.And):

            def all_true(ctx: EvalContext) -> int:
                for part in parts:
                    if not part(ctx):
                        return 0
                return 1

            return _Node(all_true)

        def any_true(ctx: EvalContext) -> int:
            for part in parts:
                if part(ctx):
                    return 1
            return 0

        return _Node(any_true)

    def _Compare(self, node: ast.Compare) -> _Node:
        operands = [self.compile(node.left)]
        ops = []
        for op, right in zip(node.ops, node.comparators, strict=True):
            col = self.col(right)
            fn = _COMPARES.get(type(op))
            if fn is None:
                raise ExprError(f"'{_compare_symbol(op)}' is not allowed; compare with < <= > >= == !=", col)
            result = self.compile(right)
            if result.is_list != operands[-1].is_list:
                raise ExprError("cannot compare a list of words with a number", col)
            if result.is_list and type(op) not in (ast.Eq, ast.NotEq):
                raise ExprError("lists of words compare only with == and !=", col)
            operands.append(result)
            ops.append(fn)
        fns = [o.fn for o in operands]
        first, rest = fns[0], list(zip(ops, fns[1:], strict=True))

        def compare(ctx: EvalContext) -> int:
            left = first(ctx)
            for op, right_fn in rest:
                right = right_fn(ctx)
                if not op(left, right):
                    return 0
                left = right
            return 1

        return _Node(compare)

    # --- indexing -----------------------------------------------------------------------

    def _Subscript(self, node: ast.Subscript) -> _Node:
        col = self.col(node)
        if not isinstance(node.value, ast.Name):
            raise ExprError("only s, m, regions and scratch names can be indexed", col)
        name = node.value.id
        index = node.slice
        if name in STATE_NAMES or name == REF_NAME:
            raise ExprError(f"{name} cannot be indexed", col)
        if name in SPACE_NAMES:
            read = _scratch_reader if name == "s" else _mem_reader
            return self.indexed(index, col, read, bounds=None, what=name)
        if name in REGION_NAMES:

            def region(ctx: EvalContext) -> tuple[int, int]:
                entry = ctx.regions.get(name)
                if entry is None:
                    raise ExprError(f"this problem has no region {name}", col)
                return entry

            return self.indexed(index, col, _mem_reader, bounds=region, what=name)
        self.check_name(name, col)
        unknown = self.unknown_name

        def register(ctx: EvalContext) -> tuple[int, int]:
            entry = ctx.scratch_names.get(name)
            if entry is None:
                raise unknown(name, ctx.scratch_names, col)
            return entry

        return self.indexed(index, col, _scratch_reader, bounds=register, what=name)

    def indexed(
        self,
        index: ast.AST,
        col: int,
        read: Callable[[EvalContext, int, int], int],
        bounds: Callable[[EvalContext], tuple[int, int]] | None,
        what: str,
    ) -> _Node:
        """`what[i]` or `what[i:j]`: over raw addresses (bounds None) or within a named
        run of words (bounds gives its start and length at evaluation)."""
        if isinstance(index, ast.Slice):
            if index.step is not None:
                raise ExprError("a slice step is not allowed", self.col(index.step))
            if bounds is None and (index.lower is None or index.upper is None):
                raise ExprError(f"{what}[A:B] needs both A and B", col)
            lower = self.number(index.lower, "a slice bound").fn if index.lower else None
            upper = self.number(index.upper, "a slice bound").fn if index.upper else None

            def words(ctx: EvalContext) -> list[int]:
                base, length = bounds(ctx) if bounds else (0, None)
                lo = lower(ctx) if lower else 0
                hi = upper(ctx) if upper else length
                if lo < 0 or hi < lo:
                    raise ExprError(f"bad slice {what}[{lo}:{hi}]", col)
                if length is not None and hi > length:
                    raise ExprError(f"{what}[{lo}:{hi}] runs past its {length} words", col)
                if hi - lo > MAX_SLICE:
                    raise ExprError(f"slice of {hi - lo} words is longer than {MAX_SLICE}", col)
                return [read(ctx, base + i, col) for i in range(lo, hi)]

            return _Node(words, is_list=True)
        if isinstance(index, ast.Tuple):
            raise ExprError(f"{what}[A, B] is not allowed; a range is {what}[A:B]", col)
        position = self.number(index, "an index").fn

        def word(ctx: EvalContext) -> int:
            i = position(ctx)
            if bounds is None:
                if i < 0:
                    raise ExprError(f"{what}[{i}]: negative address", col)
                return read(ctx, i, col)
            base, length = bounds(ctx)
            if not 0 <= i < length:
                raise ExprError(f"{what}[{i}] is out of range ({what} has {length} words)", col)
            return read(ctx, base + i, col)

        return _Node(word)

    def const_range(self, index: ast.AST, length: int | None) -> tuple[int, int]:
        """The constant [start, stop) a location's index names (length: the named run's
        size, None for raw s/m addresses)."""
        col = self.col(index)
        if isinstance(index, ast.Slice):
            if index.step is not None:
                raise ExprError("a slice step is not allowed", self.col(index.step))
            if length is None and (index.lower is None or index.upper is None):
                raise ExprError("a range needs both ends: [A:B]", col)
            lo = self.constant(index.lower) if index.lower else 0
            hi = self.constant(index.upper) if index.upper else length
            assert hi is not None
            if lo < 0 or hi <= lo:
                raise ExprError(f"empty or backward range [{lo}:{hi}]", col)
            return lo, hi
        i = self.constant(index)
        if i < 0:
            raise ExprError(f"negative address {i}", col)
        return i, i + 1

    def constant(self, node: ast.AST) -> int:
        result = self.number(node, "an address")
        if result.const is None:
            raise ExprError("a location's address must be a constant", self.col(node))
        return result.const

    # --- the reference trace ------------------------------------------------------------

    def _Call(self, node: ast.Call) -> _Node:
        col = self.col(node)
        if not (isinstance(node.func, ast.Name) and node.func.id == REF_NAME):
            callee = f"{node.func.id}()" if isinstance(node.func, ast.Name) else "a function"
            raise ExprError(f'calling {callee} is not allowed; the only call is ref(ROUND, I, "KEY")', col)
        if node.keywords:
            raise ExprError("ref() takes no keyword arguments", self.col(node.keywords[0].value))
        args = node.args
        for arg in args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg)
        if len(args) not in (3, 4):
            raise ExprError('ref takes (ROUND, I, "KEY") or (ROUND, I, "hash_stage", K)', col)
        key_node = args[2]
        if not (isinstance(key_node, ast.Constant) and isinstance(key_node.value, str)):
            raise ExprError("ref()'s third argument must be a quoted key", self.col(key_node))
        key = key_node.value
        if key not in REF_KEYS:
            close = difflib.get_close_matches(key, REF_KEYS, n=2, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else "keys: " + ", ".join(REF_KEYS)
            raise ExprError(f"unknown reference key '{key}'; {hint}", self.col(key_node))
        if (key == "hash_stage") != (len(args) == 4):
            need = 'ref(ROUND, I, "hash_stage", K)' if key == "hash_stage" else f'ref(ROUND, I, "{key}")'
            raise ExprError(f"that key is written {need}", col)
        round_fn = self.number(args[0], "ROUND").fn
        elem_fn = self.number(args[1], "I").fn
        if len(args) == 3:
            return _Node(lambda ctx: _ref(ctx, (round_fn(ctx), elem_fn(ctx), key), col))
        stage = self.number(args[3], "K")
        if stage.const is not None and not 0 <= stage.const < N_HASH_STAGES:
            raise ExprError(f"hash stage must be 0..{N_HASH_STAGES - 1}", self.col(args[3]))
        stage_fn = stage.fn
        return _Node(lambda ctx: _ref(ctx, (round_fn(ctx), elem_fn(ctx), "hash_stage", stage_fn(ctx)), col))


def _scratch_reader(ctx: EvalContext, addr: int, col: int) -> int:
    try:
        return ctx.scratch_word(addr)
    except ExprError as exc:
        raise _placed(exc, col) from None


def _mem_reader(ctx: EvalContext, addr: int, col: int) -> int:
    try:
        return ctx.mem_word(addr)
    except ExprError as exc:
        raise _placed(exc, col) from None


def _ref(ctx: EvalContext, key: tuple, col: int) -> int:
    try:
        return ctx.ref(key)
    except ExprError as exc:
        raise _placed(exc, col) from None


def _placed(exc: ExprError, col: int) -> ExprError:
    """The context's own error, given the column of the read that caused it."""
    return exc if exc.col is not None else ExprError(exc.detail, col)


def _compare_symbol(op: ast.cmpop) -> str:
    return {ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}.get(
        type(op), type(op).__name__
    )
