"""The packer keeps a slot sequence's meaning while it shares bundles out."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.pack import READS_OLD, Packer, PackError
from machine.isa import SLOT_LIMITS, VLEN
from machine.literal import LiteralMachine

MEM_WORDS = 24
POINTERS = range(16, 20)  # hold memory addresses, set once before the random slots
VECTORS = (24, 32)  # two vector registers
WORDS = range(0, 8)

word = st.sampled_from(WORDS)
alu_op = st.sampled_from(["+", "-", "*", "^", "&", "|", "<<", ">>", "<", "=="])

alu_slot = st.tuples(st.just("alu"), st.tuples(alu_op, word, word, word))
slot = st.one_of(
    # ALU slots are most of a kernel and have a fast path of their own: weight them up.
    *[alu_slot] * 8,
    st.tuples(st.just("load"), st.tuples(st.just("const"), word, st.integers(0, 2**32 - 1))),
    st.tuples(st.just("load"), st.tuples(st.just("load"), word, st.sampled_from(POINTERS))),
    st.tuples(st.just("store"), st.tuples(st.just("store"), st.sampled_from(POINTERS), word)),
    st.tuples(st.just("flow"), st.tuples(st.just("select"), word, word, word, word)),
    st.tuples(st.just("flow"), st.tuples(st.just("add_imm"), word, word, st.integers(0, 9))),
    st.tuples(st.just("flow"), st.tuples(st.just("trace_write"), word)),
    st.tuples(st.just("valu"), st.tuples(st.just("vbroadcast"), st.sampled_from(VECTORS), word)),
    st.tuples(st.just("valu"), st.tuples(alu_op, *[st.sampled_from(VECTORS)] * 3)),
    st.tuples(st.just("load"), st.tuples(st.just("vload"), st.sampled_from(VECTORS), st.just(16))),
    st.tuples(st.just("store"), st.tuples(st.just("vstore"), st.just(16), st.sampled_from(VECTORS))),
    st.tuples(st.just("debug"), st.tuples(st.just("compare"), word)),
)


def _set_up():
    """Memory addresses in the pointers, and distinct values in the words, so that a slot
    moved past one it depends on changes some result."""
    pointers = [("load", ("const", p, 3 * (p - 16))) for p in POINTERS]
    return pointers + [("load", ("const", w, 1000003 * (w + 1))) for w in WORDS]


def _sequential(slots):
    """Run one slot per bundle and record what each compare sees, as its expected value."""
    m = LiteralMachine([], list(range(100, 100 + MEM_WORDS)), enable_debug=False)
    program, trace = [], {}
    for i, (engine, s) in enumerate(slots):
        if engine == "debug":
            s = (*s, i)
            trace[i] = m.scratch[s[1]]
        program.append({engine: [s]})
        m.program = program
        m.step()
    return m, program, trace


@settings(max_examples=200, deadline=None)
@given(st.lists(slot, max_size=40))
def test_packed_program_computes_what_the_sequence_computes(body):
    slots = _set_up() + body
    plain, program, trace = _sequential(slots)
    pk = Packer()
    for bundle in program:
        ((engine, (s,)),) = bundle.items()
        pk.add(engine, s)
    packed = pk.bundles()
    for bundle in packed:
        for engine, placed in bundle.items():
            assert len(placed) <= SLOT_LIMITS[engine]
    m = LiteralMachine(packed, list(range(100, 100 + MEM_WORDS)), value_trace=trace)
    m.run()
    assert (m.scratch, m.mem, m.trace_buf) == (plain.scratch, plain.mem, plain.trace_buf)
    assert len(packed) <= len(program)


def test_independent_slots_share_a_bundle_up_to_the_engine_limit():
    pk = Packer()
    for i in range(13):
        pk.add("alu", ("+", i, 100, 101))
    assert [len(b["alu"]) for b in pk.bundles()] == [12, 1]


def test_reads_wait_for_writes_and_writes_for_reads():
    pk = Packer()
    assert pk.add("alu", ("+", 1, 2, 3)) == 0
    assert pk.add("alu", ("+", 4, 1, 1)) == 1  # reads what bundle 0 writes
    assert pk.add("alu", ("+", 2, 5, 5)) == 0  # overwrites what bundle 0 reads: same bundle is fine
    assert pk.add("alu", ("+", 4, 5, 5)) == 2  # overwrites bundle 1's write: later still
    assert pk.add("debug", ("compare", 4, "k")) == 3
    assert pk.add("alu", ("+", 4, 6, 6)) == 3  # waits for the compare's read, not after it


@pytest.mark.parametrize(
    "writer", [("alu", ("+", 3, 8, 8)), ("load", ("const", 3, 7)), ("flow", ("add_imm", 3, 8, 1))]
)
def test_a_writer_waits_for_a_reader_that_was_held_back(writer):
    pk = Packer()
    pk.add("alu", ("+", 9, 1, 1))
    pk.add("alu", ("+", 9, 9, 9))
    assert pk.add("alu", ("+", 5, 3, 9)) == 2  # reads word 3, held back by word 9
    assert pk.add(*writer) == 2


def test_bundles_that_read_old_values_say_so_for_the_lint():
    pk = Packer()
    pk.add("alu", ("+", 1, 2, 3))
    pk.add("alu", ("+", 4, 5, 5))
    pk.add("alu", ("+", 2, 6, 6))  # overwrites word 2, which bundle 0 reads
    pk.add("load", ("const", 5, 9))  # and word 5: one comment is enough
    pk.add("alu", ("+", 7, 1, 1))
    pk.add("alu", ("+", 1, 7, 7))  # overwrites word 1 in a bundle after its reader's: no comment
    bundles = pk.bundles()
    assert bundles[0]["debug"] == [READS_OLD]
    assert "debug" not in bundles[1] and "debug" not in bundles[2]


def test_memory_regions_keep_order_only_within_a_region():
    pk = Packer()
    pk.add("store", ("store", 1, 2), mem="values")
    assert pk.add("load", ("load", 3, 4), mem="forest") == 0
    assert pk.add("load", ("load", 5, 4), mem="values") == 1
    assert pk.add("load", ("load", 6, 4)) == 1  # the default region is all of memory
    assert pk.add("store", ("store", 1, 2)) == 1  # a store may follow loads in their bundle
    assert pk.add("load", ("load", 7, 4), mem="forest") == 2  # and orders every region


def test_barrier_closes_the_bundles_before_it():
    pk = Packer()
    pk.add("alu", ("+", 1, 2, 3))
    pk.add("alu", ("+", 4, 1, 1))
    assert pk.barrier("flow", ("pause",)) == 1
    assert pk.add("alu", ("+", 7, 8, 9)) == 2
    pk.fence()
    assert pk.add("alu", ("+", 10, 8, 9)) == 3
    assert pk.bundles()[1] == {"alu": [("+", 4, 1, 1)], "flow": [("pause",)]}


def test_load_offset_touches_the_offset_words():
    pk = Packer()
    pk.add("alu", ("+", 13, 1, 1))
    assert pk.add("load", ("load_offset", 20, 10, 3)) == 1  # reads word 13
    assert pk.add("alu", ("+", 24, 23, 23)) == 2  # reads word 23, which it wrote


def test_vector_operands_cover_eight_words():
    pk = Packer()
    pk.add("valu", ("vbroadcast", 8, 0))
    assert pk.add("alu", ("+", 1, 8 + VLEN - 1, 8 + VLEN - 1)) == 1
    assert pk.add("alu", ("+", 2, 8 + VLEN, 8 + VLEN)) == 0


@pytest.mark.parametrize(
    ("engine", "slot", "message"),
    [
        ("alu", ("nop", 1, 2, 3), "unknown"),
        ("mmx", ("+", 1, 2, 3), "unknown"),
        ("alu", ("+", 1, 2), "takes 3"),
        ("alu", ("+", 1, 2, 1536), "not a scratch address"),
        ("alu", ("+", -1, 2, 3), "not a scratch address"),
        ("alu", ("+", "x", 2, 3), "not a scratch address"),
        ("valu", ("vbroadcast", 1530, 0), "not a vector"),
        ("flow", ("pause",), "barrier"),
        ("flow", ("jump", 3), "barrier"),
    ],
)
def test_bad_slots_are_refused_with_the_slot_named(engine, slot, message):
    pk = Packer()
    with pytest.raises(PackError, match=message) as err:
        pk.add(engine, slot)
    assert repr(slot) in str(err.value)
    assert len(pk) == 0


def test_barrier_takes_only_control_flow():
    with pytest.raises(PackError, match="barrier"):
        Packer().barrier("alu", ("+", 1, 2, 3))


def test_comments_go_with_the_last_bundle():
    pk = Packer()
    pk.add("alu", ("+", 1, 2, 3))
    pk.add("alu", ("+", 4, 1, 1))
    assert pk.add("debug", ("comment", "here")) == 1
