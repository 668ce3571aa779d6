"""The command language: every command, its aliases, and a one-line error for every bad
command or argument, with nothing half-applied."""

from __future__ import annotations

import pytest

from machine.problem import ProblemSize
from tests.vliwdbg.core_fixtures import LOOP_NAMES, PROBLEM, VALUES_P, Driven, loop_program, session, state
from vliwdbg.commands.completion import complete
from vliwdbg.commands.table import COMMANDS, lookup
from vliwdbg.core.session import Session


@pytest.fixture
def loop() -> Session:
    return session(loop_program(5), LOOP_NAMES)


@pytest.fixture(scope="module")
def baseline_kernel():
    from vliwdbg.loading.loader import load_kernel

    return load_kernel("baseline", ProblemSize(height=2, batch_size=8, rounds=1))


@pytest.fixture
def baseline(baseline_kernel) -> Session:
    return Driven(baseline_kernel, PROBLEM)


def out(s: Session, line: str) -> list[str]:
    result = s.execute(line)
    assert result.error is None, result.error
    return result.output


def test_the_table_is_consistent() -> None:
    for command in COMMANDS:
        assert command.syntax.split("[")[0].split("/")[0].startswith(command.name.split()[0])
        assert "\n" not in command.summary
        assert lookup(command.name)[0] is command
        for alias in command.aliases:
            assert lookup(alias)[0] is command


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("s", "step"),
        ("si 3", "step"),
        ("n", "next"),
        ("c", "continue"),
        ("rc", "rcontinue"),
        ("until 5", "advance"),
        ("u 5", "advance"),
        ("reverse-continue", "rcontinue"),
        ("rs 2", "back"),
        ("b 5", "break pc"),
        ("br pc 5", "break pc"),
        ("b cycle 3", "break cycle"),
        ("i b", "info breakpoints"),
        ("info break", "info breakpoints"),
        ("p 1", "print"),
        ("p/x 1", "print"),
        ("d", "delete"),
        ("x 0", "info mem"),
        ("info reg", "info scratch"),
        ("g step 1", "goto step"),
        ("q", "quit"),
        ("h", "help"),
        ("where", "info program"),
    ],
)
def test_aliases(line: str, name: str) -> None:
    assert lookup(line)[0].name == name


def test_moves_print_the_stop_line(loop: Session) -> None:
    assert out(loop, "step") == ["step 1, cycle 1, pc 1"]
    assert out(loop, "step 2") == ["step 3, cycle 3, pc 3"]
    assert out(loop, "next 2")[0].startswith("pause 1 of 2")
    assert out(loop, "back") == ["step 3, cycle 3, pc 3"]
    assert out(loop, "goto cycle 10") == ["step 10, cycle 10, pc 4"]
    assert out(loop, "goto step 7") == ["step 7, cycle 7, pc 4"]
    assert out(loop, "continue")[0].startswith("pause 2 of 2")
    assert out(loop, "rcontinue")[0].startswith("pause 1 of 2")
    assert out(loop, "restart") == ["start of history (step 0, cycle 0, pc 0)"]
    assert loop.step == 0


def test_goto_past_the_end_says_where_it_ends_and_stays(loop: Session) -> None:
    loop.execute("goto step 5")
    before = state(loop)
    result = loop.execute("goto step 500")
    assert result.error == "goto step: step 500 is past the end: the program ends at step 22, cycle 21"
    assert state(loop) == before and loop.step == 5
    assert loop.execute("goto cycle 22").error == (
        "goto cycle: cycle 22 is past the end: the program ends at step 22, cycle 21"
    )
    assert out(loop, "goto cycle 21") == ["step 22, cycle 21, pc 10"]


def test_breakpoint_commands_and_info_breakpoints(loop: Session) -> None:
    assert out(loop, "info breakpoints") == ["no breakpoints or watchpoints"]
    assert out(loop, "break 5 if i == 2") == ["breakpoint 1 at pc 5 if i == 2"]
    assert out(loop, "break cycle 12") == ["breakpoint 2 at cycle 12"]
    assert out(loop, "break op cond_jump") == ["breakpoint 3 on op cond_jump (1 bundles)"]
    assert out(loop, "watch i") == ["watchpoint 4: i (s[0])"]
    assert out(loop, "rwatch values[1]") == [f"read watchpoint 5: values[1] (m[{VALUES_P + 1}])"]
    assert out(loop, "disable 2 3") == ["disabled 2, 3"]
    assert out(loop, "info breakpoints") == [
        "id  type             on    hits  what",
        "1   breakpoint       y        0  pc 5 if i == 2",
        "2   breakpoint       n        0  cycle 12",
        "3   breakpoint       n        0  op cond_jump",
        "4   watchpoint       y        0  i",
        "5   read watchpoint  y        0  values[1]",
    ]
    assert out(loop, "enable") == ["enabled 1, 2, 3, 4, 5"]
    assert out(loop, "delete 4 5") == ["deleted 4, 5"]
    assert out(loop, "delete") == ["deleted 1, 2, 3"]
    assert out(loop, "delete") == ["no breakpoints to delete"]


def test_print_and_expect(loop: Session) -> None:
    loop.execute("goto step 9")
    assert out(loop, "print i") == ["2"]
    assert out(loop, "p/x i + 0xfe") == ["0x100"]
    assert out(loop, "print values[0:2]") == [f"[2, {PROBLEM.initial[VALUES_P + 1]}]"]
    assert out(loop, "p/x s[0:2]") == ["[0x2, 0x1]"]
    assert out(loop, "print step - 10") == ["-1"]
    assert out(loop, "print/x step - 10") == ["-0x1"]
    assert out(loop, 'print ref(0, 0, "idx")') == ["0"]
    assert out(loop, "expect i == 2") == ["ok"]
    failed = loop.execute("expect i + 1 == limit")
    assert failed.failed and failed.error is None
    assert failed.output == ["expect failed: i + 1 == limit: i + 1 is 3, limit is 5"]
    assert loop.execute("expect i == 7").output == ["expect failed: i == 7: i is 2"]
    assert loop.execute("expect not flag").output == ["expect failed: not flag is 0"]


def test_info_scratch_mem_bundle(loop: Session) -> None:
    loop.execute("goto step 3")
    assert out(loop, "info scratch") == [
        "i (s[0]): 0",
        "one (s[1]): 1",
        "limit (s[2]): 5",
        "flag (s[3]): 0",
        f"values_p (s[4]): {VALUES_P}",
    ]
    assert out(loop, "info scratch limit") == ["limit (s[2]): 5"]
    mem = PROBLEM.initial
    assert out(loop, "info mem 0 3") == [f"m[0] header[0]: {mem[0]} {mem[1]} {mem[2]}"]
    assert out(loop, f"info mem values_p {len(mem) - VALUES_P + 2}")[-1] == f"(memory ends at {len(mem) - 1})"
    assert out(loop, "info bundle 5") == [
        "pc 5 (costs a cycle):",
        "  alu 0: flag = i < limit",
        "  store 0: m[values_p] = i",
    ]
    assert out(loop, "info bundle") == ["pc 3 (next, costs a cycle):", "  flow 0: pause"]


def test_info_scratch_without_names_shows_nonzero_rows() -> None:
    s = session([{"load": [("const", 9, 4)]}])
    s.execute("step")
    assert out(s, "info scratch") == [
        "the kernel names no scratch words; nonzero rows:",
        "s[8:16]: 0 4 0 0 0 0 0 0",
    ]


def test_info_reference_and_occupancy_on_a_real_kernel(baseline: Session) -> None:
    first = out(baseline, "info reference")
    assert first[0].startswith(
        "values: 8 of 8 differ from the reference's final values: 0-7; first values[0]"
    )
    assert first[1] == "  values hold the result of initial: 8"
    out(baseline, "continue")
    out(baseline, "continue")
    assert out(baseline, "info reference") == [
        "values: all 8 equal the reference's final values",
        "  values hold the result of round 1: 8",
        "indices: all 8 equal the reference's final indices",
    ]
    # The baseline is straight-line code ending in its second pause: the second continue
    # stops after it, having run every bundle, each costing a cycle but the debug-only ones.
    program = baseline.program
    pauses = [pc for pc, b in enumerate(program) if ("pause",) in b.get("flow", [])]
    assert len(pauses) == 2 and pauses[1] == len(program) - 1
    cycles = sum(1 for b in program if set(b) - {"debug"})
    occupancy = out(baseline, "info occupancy")
    assert occupancy[0] == f"cycles 0..{cycles}: {cycles} bundles that cost a cycle"
    assert any(line.startswith("alu") for line in occupancy)
    assert out(baseline, "info occupancy 0 10")[0] == "cycles 0..10: 10 bundles that cost a cycle"
    where = f"step {len(program)}, cycle {cycles}, pc {len(program)}"
    assert out(baseline, "info program") == [
        f"baseline: {len(program)} bundles; paused at {where}",
        f"last stop: pause 2 of 2 (after the last round): values match the reference's ({where})",
        "store check: on (a store to values or indices that the reference never makes there stops)",
    ]


def test_info_occupancy_follows_a_loop() -> None:
    s = session(loop_program(3), LOOP_NAMES)
    s.execute("continue")
    s.execute("continue")
    lines = out(s, "info occupancy")
    assert lines[0] == "cycles 0..14: 14 bundles that cost a cycle"
    flow = next(line for line in lines if line.startswith("flow"))
    assert flow.split()[1] == "5"  # two pauses and three cond_jumps


def test_info_occupancy_says_it_counts_only_the_cycles_run_so_far() -> None:
    s = session(loop_program(3), LOOP_NAMES)
    s.execute("goto step 6")  # pcs 0-5, each costing a cycle
    past = out(s, "info occupancy 2 100")
    assert past[0] == "cycles 2..6: 4 bundles that cost a cycle"
    assert past[-1] == "(counted up to cycle 6, where the run stands: cycles past it have not run yet)"
    error = s.execute("info occupancy 100 200").error
    assert error.startswith("info occupancy: cycles 100..200 have not run yet: the run stands at cycle 6")
    assert out(s, "info occupancy 0 6")[-1] != past[-1]


def test_info_program_says_ready_before_a_move_as_the_status_line_does() -> None:
    s = session(loop_program(3), LOOP_NAMES)
    assert out(s, "info program")[0] == "test: 10 bundles; ready at step 0, cycle 0, pc 0"


def test_help(loop: Session) -> None:
    lines = out(loop, "help")
    assert len(lines) == len(COMMANDS) + 1
    assert any(line.startswith("step [N]") for line in lines)
    assert out(loop, "help s")[0] == "step [N]"
    assert "  aliases: s, si, stepi" in out(loop, "help step")
    assert out(loop, "help goto") == [
        "goto cycle N  go to the first step with cycle count N",
        "goto step N   go to step N (bundles executed since the start)",
    ]


def test_comments_and_blank_lines(loop: Session) -> None:
    assert loop.execute("   # just a comment").output == []
    assert loop.execute("").error is None
    result = loop.execute("step 2   # two bundles")
    assert result.command == "step 2" and loop.step == 2
    assert loop.recorded == ["step 2"]


def test_quit(loop: Session) -> None:
    assert loop.execute("quit").quit
    assert loop.execute("exit").quit


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("stpe", "unknown command 'stpe'; did you mean step"),
        ("frobnicate", "unknown command 'frobnicate'; `help` lists the commands"),
        ("step x", "step: expected a count, got 'x'"),
        ("step 0", "step: a count must be at least 1"),
        ("step 1 2", "step: expected one number, got '1 2'"),
        ("next -1", "next: expected a cycle count, got '-1'"),
        ("continue now", "continue: takes no arguments, got 'now'"),
        ("goto", "goto: expected subcommand; one of cycle, step"),
        ("goto pc 3", "goto pc: unknown subcommand; one of cycle, step"),
        ("goto step", "goto step: expected a step number"),
        ("goto cycle 1.5", "goto cycle: expected a cycle number, got '1.5'"),
        ("break pc 10", "break pc: pc 10 is outside the program (pcs 0..9)"),
        ("break pc 5 if", "break pc: expected an expression"),
        (
            "break pc 5 if nope == 1",
            "break pc: column 15: unknown name 'nope'; not a scratch name of this kernel",
        ),
        ("break pc 5 if s[0:2]", "break pc: column 15: a condition must be a number, not a list"),
        ("break pc 5 if __import__('os')", "break pc: column 15: calling __import__() is not allowed;"),
        ("break cycle 0", "break cycle: the cycle count starts at 0; a cycle breakpoint needs 1 or more"),
        ("break op lood", "break op: unknown op 'lood'; did you mean load"),
        ("break", "break: expected subcommand; one of cycle, "),
        ("watch", "watch: expected a location"),
        ("watch limt", "watch: column 7: unknown name 'limt'; did you mean limit?"),
        ("rwatch m[99999]", "rwatch: column 8: memory ends at"),
        ("delete 9", "delete: no breakpoint or watchpoint 9"),
        ("disable x", "disable: expected a breakpoint number, got 'x'"),
        ("print", "print: expected an expression"),
        ("print 1 +", "print: column 10: incomplete expression"),
        ("print i.real", "print: column 7: attribute access (.name) is not allowed in an expression"),
        ("print (lambda: 1)()", "print: column 7: calling a function is not allowed"),
        ("print 2 ** 100000", "print: column 7: power gives more than 1024 bits"),
        ("print s[5000]", "print: column 7: s[5000] is outside scratch (0..1535)"),
        ("print/q 1", "print: unknown format /q (formats: /x, /d)"),
        ("step/x", "step: unknown format /x (formats: none)"),
        ("expect", "expect: expected an expression"),
        ("info", "info: expected subcommand; one of"),
        ("info mem", "info mem: expected A [N]"),
        ("info mem 99999", "info mem: address 99999 is outside memory (0..29)"),
        ("info mem 0 0", "info mem: the count must be 1..4096"),
        ("info mem s[0:2]", "info mem: s[0:2] is a list of words, not an address"),
        ("info bundle 99", "info bundle: pc 99 is outside the program (pcs 0..9)"),
        ("info scratch lim", "info scratch: no scratch name 'lim'; did you mean limit?"),
        ("info occupancy 5", "info occupancy: expected no arguments or FROM TO"),
        ("info occupancy 9 5", "info occupancy: the range 9..5 runs backward"),
        ("info breakpoints all", "info breakpoints: takes no arguments, got 'all'"),
        ("help nosuch", "help: unknown command 'nosuch'"),
    ],
)
def test_every_bad_command_is_one_line_and_changes_nothing(loop: Session, line: str, error: str) -> None:
    loop.execute("goto step 4")
    loop.execute("break pc 4")
    before = (state(loop), loop.step, [(b.id, b.enabled) for b in loop.breakpoints], list(loop.recorded))
    result = loop.execute(line)
    assert result.error is not None and result.error.startswith(error), result.error
    assert "\n" not in result.error and result.output == []
    assert (
        state(loop),
        loop.step,
        [(b.id, b.enabled) for b in loop.breakpoints],
        list(loop.recorded),
    ) == before


def test_a_list_of_ids_is_checked_before_any_is_deleted(loop: Session) -> None:
    loop.execute("break pc 4")
    assert loop.execute("delete 1 7").error == "delete: no breakpoint or watchpoint 7"
    assert [bp.id for bp in loop.breakpoints] == [1]


def test_completion(loop: Session) -> None:
    assert complete(loop, "ste") == ["step ", "stepi "]
    assert "print " in complete(loop, "p") and "p " in complete(loop, "p")
    assert complete(loop, "print li") == ["print limit"]
    assert sorted(complete(loop, "print i + val")) == ["print i + values", "print i + values_p"]
    assert complete(loop, "watch o") == ["watch one"]
    assert complete(loop, "info sc") == ["info scratch "]
    assert complete(loop, "help ste") == ["help step"]
    assert complete(loop, "continue") == ["continue "]
    assert complete(loop, "goto step 3") == []


def test_completion_never_glues_a_name_onto_a_number(loop: Session) -> None:
    assert complete(loop, "break pc 12") == []
    assert complete(loop, "print 0x1f") == []
    assert complete(loop, "print s[3") == []
