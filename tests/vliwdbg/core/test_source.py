"""The source map: which lines of a kernel's own files made each slot.

The fixtures in tests/fixtures/kernels/srcmap are shaped like users' kernels: helper
emitters in a local module called from many lines, a list scheduler in a local package
(keeping the slot tuples, or placing copies), a build on a thread, a build in a forked
process, and a kernel that needs its own problem.py. Expected lines are found by searching
the fixture's text for the statement, never taken from the map.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from machine.problem import ProblemSize
from vliwdbg.commands.console import Console
from vliwdbg.core import source as source_module
from vliwdbg.core.options import RunOptions
from vliwdbg.core.session import Session
from vliwdbg.core.source import MAPPING, READY, Frame, SourceError

FOLDER = Path(__file__).parents[2] / "fixtures" / "kernels" / "srcmap"
SMALL = RunOptions(ProblemSize(height=2, rounds=2, batch_size=8))
#: Slots one call of hash_stage makes, stages per round (the take-home's hash).
HASH_SLOTS, STAGES = 3, 6


def line_of(file: str, statement: str, folder: Path = FOLDER) -> int:
    """The number of the one line of the fixture file holding `statement`."""
    found = [n for n, text in enumerate((folder / file).read_text().splitlines(), 1) if statement in text]
    assert len(found) == 1, (file, statement, found)
    return found[0]


def opened(name: str, folder: Path = FOLDER) -> Session:
    session = Session.open(str(folder / name), SMALL)
    return session


@pytest.fixture(scope="module")
def kept() -> Session:
    session = opened("kernel.py")
    assert session.wait_for_source_map() is not None, session.source_status
    return session


def all_slots(session: Session):
    for pc, bundle in enumerate(session.program):
        for engine, slots in bundle.items():
            for index in range(len(slots)):
                yield pc, engine, index


def test_every_slot_of_a_helper_emitting_kernel_has_its_chain(kept: Session) -> None:
    smap = kept.source_map
    assert smap is not None and kept.source_status == READY
    assert sorted(smap.files()) == ["emitters.py", "kernel.py"]
    alu_line = line_of("emitters.py", 'ops.append(("alu", (op, dest, a, b)))')
    stage_line = line_of("kernel.py", "self.hash_stage(ops, val, t1, t2, stage)")
    first_alu = line_of("kernel.py", "alu(ops, op1, t1, val, self.const(ops, c))")
    const_line = line_of("emitters.py", 'ops.append(("load", ("const", dest, value)))')
    hashed = 0
    for pc, engine, index in all_slots(kept):
        chain = smap.chain(pc, engine, index)
        assert chain, (pc, engine, index)
        if Frame("kernel.py", stage_line, "build_kernel") in chain:
            # hash_stage's alu slots, and the constants it loads on first use
            assert chain[0] in (
                Frame("emitters.py", alu_line, "alu"),
                Frame("emitters.py", const_line, "const"),
            )
            if chain[0].func == "alu":
                hashed += 1
                assert chain[1].func == "hash_stage" and chain[1].line in range(first_alu, first_alu + 3)
    assert hashed == SMALL.size.batch_size * SMALL.size.rounds * STAGES * HASH_SLOTS


def test_info_source_names_each_slot_innermost_first(kept: Session) -> None:
    const_line = line_of("emitters.py", 'ops.append(("load", ("const", dest, value)))')
    load_line = line_of("emitters.py", 'ops.append(("load", ("load", dest, addr)))')
    header_const = line_of("kernel.py", "const(ops, tmp, i)")
    header_load = line_of("kernel.py", "load(ops, reg[name], tmp)")
    # The scheduler puts the first header const alone in bundle 0 (the load needs it).
    out = Console(kept).run("info source 0").output
    assert out == [f"load 0: emitters.py:{const_line} in const < kernel.py:{header_const} in build_kernel"]
    out = Console(kept).run("info source 1").output
    assert f"load 0: emitters.py:{load_line} in load < kernel.py:{header_load} in build_kernel" in out


def test_a_line_calling_a_helper_breaks_where_the_helper_slots_run(kept: Session) -> None:
    stage_line = line_of("kernel.py", "self.hash_stage(ops, val, t1, t2, stage)")
    smap = kept.source_map
    assert smap is not None
    pcs = smap.pcs_at("kernel.py", stage_line)
    expected = sorted(
        {
            pc
            for pc, engine, index in all_slots(kept)
            if any(f.place == f"kernel.py:{stage_line}" for f in smap.chain(pc, engine, index))
        }
    )
    assert pcs == expected and len(pcs) > 1
    session = opened("kernel.py")
    console = Console(session)
    reply = console.run(f"break kernel.py:{stage_line}")
    assert reply.error is None and reply.output == [
        f"breakpoint 1 at kernel.py:{stage_line} ({len(pcs)} bundles)"
    ]
    assert f"line kernel.py:{stage_line} ({len(pcs)} bundles)" in console.run("info breakpoints").output[1]
    assert console.run("continue").stop.kind == "pause"
    stop = console.run("continue").stop
    assert stop is not None and stop.kind == "breakpoint" and session.pc == pcs[0]
    assert (
        console.run(f"info line kernel.py:{stage_line}")
        .output[0]
        .startswith(f"kernel.py:{stage_line}: {len(pcs)} bundles: pc {pcs[0]}, {pcs[1]}")
    )


def test_break_on_a_line_that_made_no_slot_says_so(kept: Session) -> None:
    console = Console(kept)
    doc = 1  # the module docstring
    reply = console.run(f"break kernel.py:{doc}")
    assert reply.error is not None and f"kernel.py:{doc} made no slot" in reply.error
    assert "no file nothere.py" in (console.run("break nothere.py:3").error or "")
    assert not kept.stops.entries


def test_the_wrong_line_is_named_by_the_divergence_and_the_breakpoint_finds_it() -> None:
    session = opened("wrong_branch.py")
    console = Console(session)
    store_line = line_of("emitters.py", 'ops.append(("store", ("store", addr, src)))')
    assert console.run("continue").stop.kind == "pause"
    stop = console.run("continue").stop
    assert stop is not None and stop.kind == "divergence"
    assert f"store slot 0 at emitters.py:{store_line})" in stop.message
    bug = line_of("wrong_branch.py", "select(ops, t2, t1, two, one)")
    assert console.run(f"b wrong_branch.py:{bug}").error is None
    console.run("restart")
    assert console.run("continue").stop.kind == "pause"
    stop = console.run("continue").stop
    assert stop is not None and stop.kind == "breakpoint"
    chains = [chain for _e, _i, chain in session.source_map.slot_chains(session.pc)]
    assert any(Frame("wrong_branch.py", bug, "next_index") in chain for chain in chains)


def test_a_correct_kernel_gets_no_false_alarm(kept: Session) -> None:
    session = opened("kernel.py")
    console = Console(session)
    kinds = [console.run("continue").stop.kind for _ in range(3)]
    assert kinds == ["pause", "pause", "end"]


def test_a_scheduler_that_rebuilds_slots_maps_them_to_its_rebuild_site() -> None:
    session = opened("rebuilt.py")
    smap = session.wait_for_source_map()
    assert smap is not None
    rebuild = line_of("sched/listsched.py", "slot = (slot[0], *slot[1:])")
    assert smap.one_place() == Frame("sched/listsched.py", rebuild, "schedule")
    assert smap.resolve_file("listsched.py") == "sched/listsched.py"
    out = Console(session).run("info source 0").output
    assert out[0].startswith(f"load 0: sched/listsched.py:{rebuild} in schedule < rebuilt.py:") is False
    assert out[0].startswith(f"load 0: sched/listsched.py:{rebuild} in schedule < kernel.py:")
    assert out[-1].startswith(f"every slot of the program was made at sched/listsched.py:{rebuild}")


def test_a_build_on_a_thread_is_mapped_and_one_in_a_forked_process_says_why_not(kept: Session) -> None:
    threaded = opened("threaded.py")
    smap = threaded.wait_for_source_map()
    assert smap is not None and kept.source_map is not None
    assert all(smap.chain(*slot) == kept.source_map.chain(*slot) for slot in all_slots(kept))
    forked = opened("forked.py")
    assert forked.wait_for_source_map() is None
    assert forked.source_status.startswith("no source map:") and "subprocess" in forked.source_status
    console = Console(forked)
    assert console.run("info source").error == f"info source: {forked.source_status}"
    assert forked.slot_where(0, "load", 0) == ""
    assert console.run("continue").stop.kind == "pause"


def test_a_kernel_with_its_own_problem_py_maps_its_own_lines_only() -> None:
    folder = FOLDER / "own"
    session = opened("own_kernel.py", folder)
    smap = session.wait_for_source_map()
    assert smap is not None and smap.files() == ["own_kernel.py"]
    emit = line_of("own_kernel.py", "instrs.append({engine: [slot]})", folder)
    const = line_of("own_kernel.py", 'emit(self.instrs, "load", ("const", 0, STAGES_PER_CALL))', folder)
    assert smap.chain(0, "load", 0) == (Frame("own_kernel.py", const, "build_kernel"),)
    assert emit not in [f.line for f in smap.chain(0, "load", 0)]
    pause = line_of("own_kernel.py", '{"flow": [("pause",)]}', folder)
    assert smap.innermost(2, "flow", 0) == Frame("own_kernel.py", pause, "build_kernel")
    # made by tuple(...): the call's line
    halt = line_of("own_kernel.py", 'emit(self.instrs, "flow", tuple(["halt"]))', folder)
    assert smap.chain(3, "flow", 0) == (Frame("own_kernel.py", halt, "build_kernel"),)
    assert Console(session).run("info source 3").output == [f"flow 0: own_kernel.py:{halt} in build_kernel"]


def test_reload_maps_the_edited_file_and_list_shows_the_text_as_built(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    shutil.copytree(FOLDER, folder, ignore=shutil.ignore_patterns("__pycache__", "own"))
    session = opened("kernel.py", folder)
    console = Console(session)
    stage = line_of("kernel.py", "self.hash_stage(ops, val, t1, t2, stage)", folder)
    assert console.run(f"break kernel.py:{stage}").error is None
    source = (folder / "kernel.py").read_text()
    (folder / "kernel.py").write_text("# an edit above everything\n" + source)
    listed = console.run(f"list kernel.py:{stage}").output
    assert any(
        row.endswith("self.hash_stage(ops, val, t1, t2, stage)") and f"{stage}" in row for row in listed
    )
    console.run("reload")
    smap = session.source_map
    assert smap is not None
    assert smap.lines("kernel.py")[0] == "# an edit above everything"
    assert smap.pcs_at("kernel.py", stage + 1) and not smap.pcs_at("kernel.py", stage)
    # The breakpoint kept its line; the line now holds another statement, which made no slot.
    assert session.stops.entries[0].pcs == frozenset(smap.pcs_at("kernel.py", stage))


def test_resolve_file_refuses_what_it_cannot_name(kept: Session) -> None:
    smap = kept.source_map
    assert smap is not None
    assert smap.resolve_file("./kernel.py") == "kernel.py"
    with pytest.raises(SourceError, match=r"no file other\.py made any slot"):
        smap.resolve_file("other.py")


def test_the_app_is_told_to_wait_and_a_replay_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = source_module.map_sources

    def slow(*args, **kwargs):
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(source_module, "map_sources", slow)
    session = opened("kernel.py")
    session.source_waits = False
    assert session.source_status == MAPPING and session.source_map is None
    reply = Console(session).run("info source")
    assert reply.error is not None and "still being made" in reply.error
    assert session.slot_where(0, "load", 0) == ""
    release.set()
    session.source_waits = True
    assert Console(session).run("info source 0").output[0].startswith("load 0: emitters.py:")
    assert session.source_status == READY


def test_our_kernels_are_mapped_and_the_cache_keeps_their_maps(monkeypatch: pytest.MonkeyPatch) -> None:
    first = Session.open("vector", RunOptions(ProblemSize(height=2, rounds=2, batch_size=16)))
    smap = first.wait_for_source_map()
    assert smap is not None, first.source_status
    assert "vector.py" in smap.files() and smap.mapped == smap.total
    from vliwdbg.loading import sources

    def no_build(*args, **kwargs):
        raise AssertionError("built again instead of reading the cache")

    monkeypatch.setattr(sources, "build_request", no_build)
    second = Session.open("vector", RunOptions(ProblemSize(height=2, rounds=2, batch_size=16)))
    again = second.wait_for_source_map()
    assert again is not None, second.source_status
    assert all(again.chain(*slot) == smap.chain(*slot) for slot in all_slots(first))


def test_origin_uses_bundle_and_trace_name_the_line_of_each_slot(kept: Session, tmp_path: Path) -> None:
    session = opened("kernel.py")
    console = Console(session)
    store_line = line_of("emitters.py", 'ops.append(("store", ("store", addr, src)))')
    load_line = line_of("emitters.py", 'ops.append(("load", ("load", dest, addr)))')
    console.run("continue")
    console.run("continue")  # the end pause: every value stored
    origin = console.run("info origin values[0]").output
    assert "store[0]: " in origin[0] and origin[0].endswith(f" at emitters.py:{store_line}")
    console.run("restart")
    console.run("continue")
    uses = console.run("info uses val0").output
    assert any(row.endswith(f" at emitters.py:{load_line}") for row in uses), uses
    bundle = console.run("info bundle 0").output
    const_line = line_of("emitters.py", 'ops.append(("load", ("const", dest, value)))')
    assert bundle[1].endswith(f" at emitters.py:{const_line}")


def test_a_watchpoint_names_the_line_of_the_slot_that_wrote(kept: Session) -> None:
    session = opened("kernel.py")
    console = Console(session)
    assert console.run("watch val0").error is None
    assert console.run("continue").stop.kind == "pause"
    stop = console.run("continue").stop
    load_line = line_of("emitters.py", 'ops.append(("load", ("load", dest, addr)))')
    assert stop is not None and stop.kind == "watchpoint"
    assert stop.message.startswith(
        f"watchpoint 1 val0: 0 -> {session.scratch[session.scratch_names['val0'][0]]}"
    )
    assert f" at emitters.py:{load_line} (step" in stop.message


def test_a_kernel_that_builds_another_program_each_time_gets_no_map() -> None:
    session = opened("chance.py")
    assert session.wait_for_source_map() is None
    assert session.source_status.startswith("no source map: the kernel built a different program")
    assert Console(session).run("list").error == f"list: {session.source_status}"


def test_a_replay_script_waits_for_the_map() -> None:
    import io

    from vliwdbg.faces.replay import run_script

    session = opened("kernel.py")
    out, err = io.StringIO(), io.StringIO()
    const_line = line_of("emitters.py", 'ops.append(("load", ("const", dest, value)))')
    script = ["info source 0", f"info line emitters.py:{const_line}"]
    status = run_script(Console(session), script, "s.txt", out, err)
    assert status == 0 and err.getvalue() == ""
    assert f"load 0: emitters.py:{const_line} in const" in out.getvalue()
    assert f"emitters.py:{const_line}: " in out.getvalue() and " bundles: pc 0, " in out.getvalue()
