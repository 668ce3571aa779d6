"""The panes' rendering on small data built here, without a session."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult
from textual.widget import Widget

from machine.isa import SCRATCH_SIZE
from vliwdbg.app.command_line import _wrap
from vliwdbg.app.engines import EngineFigures, EnginesView, occupancy_strip
from vliwdbg.app.memory import MemoryView, Reference, memory_rows
from vliwdbg.app.program import ProgramView
from vliwdbg.app.scratch import ScratchView, scratch_rows
from vliwdbg.app.screenshots import keep_spaces
from vliwdbg.app.status import RunTotal, StatusBar, StatusFigures, landmark_text, position_text
from vliwdbg.insight.occupancy import Profile, SlotTable

PROGRAM = [
    {"load": [("const", 0, 7)]},
    {"alu": [("+", 1, 0, 0), ("^", 2, 1, 0)], "load": [("load", 3, 0)]},
    {"debug": [("compare", 1, (0, 0, "val"))]},
    {"flow": [("pause",)]},
]


def name_slot(pc: int, engine: str, index: int) -> str:
    return " ".join(str(x) for x in PROGRAM[pc][engine][index])


class Host(App[None]):
    """One pane filling a small screen."""

    def __init__(self, pane: Widget) -> None:
        super().__init__()
        self.pane = pane
        self.toggled: list[int] = []

    def compose(self) -> ComposeResult:
        yield self.pane

    def on_program_view_breakpoint_toggled(self, event: ProgramView.BreakpointToggled) -> None:
        self.toggled.append(event.pc)


def rows(pane: Widget) -> list[str]:
    return [pane.render_line(y).text.rstrip() for y in range(pane.size.height)]


async def test_program_rows_show_gutter_cost_and_slots_by_engine():
    pane = ProgramView()
    async with Host(pane).run_test(size=(60, 6)):
        pane.load(PROGRAM, name_slot)
        pane.show(1, {1: True, 3: False})
        lines = rows(pane)
        assert lines[0] == "   0   load const 0 7"
        assert lines[1].startswith("● ▶1   alu + 1 0 0; ^ 2 1 0  │ load load 3 0")
        assert lines[2].startswith("   2 · debug compare 1")
        assert lines[3].startswith("○  3   flow pause")


async def test_program_rows_leave_out_engines_with_no_slots():
    program = [{"valu": [], "alu": [("+", 1, 0, 0)], "load": []}, {"valu": [], "debug": []}]
    pane = ProgramView()
    async with Host(pane).run_test(size=(60, 4)):
        pane.load(program, lambda pc, engine, index: " ".join(map(str, program[pc][engine][index])))
        pane.show(0, {})
        lines = rows(pane)
        assert lines[0] == "  ▶0   alu + 1 0 0"
        assert lines[1] == "   1   (empty bundle)"


async def test_program_row_is_cut_with_an_ellipsis():
    pane = ProgramView()
    async with Host(pane).run_test(size=(20, 4)):
        pane.load(PROGRAM, name_slot)
        pane.show(0, {})
        line = rows(pane)[1]
        assert len(line) == 20 and line.endswith("…")


async def test_program_gutter_click_asks_to_toggle_and_selects():
    pane = ProgramView()
    host = Host(pane)
    async with host.run_test(size=(60, 6)) as pilot:
        pane.load(PROGRAM, name_slot)
        pane.show(0, {})
        await pilot.click(ProgramView, offset=(0, 2))
        await pilot.click(ProgramView, offset=(10, 3))
        await pilot.pause()
        assert host.toggled == [2]
        assert pane.selected == 3


async def test_program_keys_move_the_selection_within_the_program():
    pane = ProgramView()
    async with Host(pane).run_test(size=(60, 6)) as pilot:
        pane.load(PROGRAM, name_slot)
        pane.show(0, {})
        pane.focus()
        await pilot.press("down", "down", "end", "down")
        assert pane.selected == 3
        await pilot.press("home", "up")
        assert pane.selected == 0


async def test_program_follows_the_current_bundle_in_a_long_listing():
    program = [{"alu": [("+", 1, 1, 1)]}] * 150_000
    pane = ProgramView()
    async with Host(pane).run_test(size=(40, 10)) as pilot:
        pane.load(program, lambda pc, engine, index: "+ 1 1 1")
        pane.show(100_000, {})
        await pilot.pause()
        assert pane.scroll_offset.y <= 100_000 < pane.scroll_offset.y + 10
        assert any("▶100000" in line for line in rows(pane))


def test_scratch_rows_put_names_first_and_split_vectors():
    rows_, first = scratch_rows({0: ("val_a", 8), 8: ("idx_a", 1)}, 16, 4)
    assert [(r.label, r.addr, r.count) for r in rows_[:first]] == [
        ("named registers (2)", 0, 0),
        ("val_a", 0, 4),
        ("  +4", 4, 4),
        ("idx_a", 8, 1),
        ("scratch s[0:16]", 0, 0),
    ]
    assert [(r.label, r.count) for r in rows_[first:]] == [
        ("s[0]", 4),
        ("s[4]", 4),
        ("s[8]", 4),
        ("s[12]", 4),
    ]


async def test_scratch_pane_highlights_changes_and_jumps():
    pane = ScratchView()
    async with Host(pane).run_test(size=(70, 8)):
        pane.load({0: ("val_a", 8), 8: ("idx_a", 1)})
        values = list(range(SCRATCH_SIZE))
        pane.show(values, {8}, hex_mode=False)
        lines = rows(pane)
        assert lines[1].split() == ["val_a", "s[0]", "0", "1", "2", "3"]
        assert lines[3].split() == ["idx_a", "s[8]", "8"]
        strip = pane.render_line(3)
        changed = [seg for seg in strip if seg.text.strip() == "8" and seg.style and seg.style.bold]
        assert changed
        pane.show(values, set(), hex_mode=True)
        assert "0x00000008" in rows(pane)[3]
        assert pane.jump_to("idx_a") is None
        assert pane.jump_to("s[1000]") is None and pane.scroll_offset.y > 200
        assert pane.jump_to("nope") == "no register named 'nope' (give a name or an address)"
        assert pane.jump_to("5000") == "scratch address 5000 is outside 0..1535"


REGIONS = {"header": (0, 7), "forest": (7, 3), "indices": (10, 2), "values": (12, 2)}
MEMORY = [2, 3, 2, 1, 7, 10, 12, 100, 101, 102, 1, 2, 555, 666]


def test_memory_rows_name_the_header_and_pair_indices_with_values():
    kinds = [(r.kind, r.label) for r in memory_rows(REGIONS, len(MEMORY), 4)]
    assert kinds[1] == ("header", "rounds") and kinds[7] == ("header", "inp_values_p")
    assert [k for k, _ in kinds[8:]] == ["title", "columns", "element", "element", "title", "words"]


async def test_memory_pane_marks_differences_from_the_reference():
    pane = MemoryView()
    async with Host(pane).run_test(size=(70, 16)):
        pane.load(REGIONS, len(MEMORY))
        pane.show(MEMORY, {13}, Reference([1, 2], [555, 999], "before round 1"), hex_mode=False)
        lines = rows(pane)
        assert lines[1].split() == ["rounds", "2"]
        assert lines[10].split() == ["0", "1", "1", "555", "555"]
        assert lines[11].split() == ["1", "2", "2", "666", "999", "≠"]
        assert lines[13].split() == ["m[7]", "100", "101", "102"]
        assert pane.jump_to("forest") is None
        assert pane.jump_to("m[99]") == "memory address 99 is outside 0..13"


async def test_memory_pane_narrow_keeps_one_mark_per_element():
    pane = MemoryView()
    async with Host(pane).run_test(size=(40, 16)):
        pane.load(REGIONS, len(MEMORY))
        pane.show(MEMORY, set(), Reference([1, 2], [555, 999], "before round 1"), hex_mode=False)
        lines = rows(pane)
        assert lines[10].split() == ["0", "1", "555"]
        assert lines[11].split() == ["1", "2", "666", "≠"]
        assert lines[8] == "indices m[10:12] · values m[12:14]"
        assert lines[9] == "elem      index      value  vs ref"
        assert pane.border_subtitle == "ref: the reference before round 1"


def test_log_wraps_long_lines_at_spaces():
    line = [("error: ", None), ("internal error in 'step 40': TypeError: missing arguments", None)]
    wrapped = ["".join(text for text, _ in row) for row in _wrap(line, 30)]
    assert wrapped == ["error: internal error in 'step", "  40': TypeError: missing", "  arguments"]


def test_occupancy_strip_buckets_cycles_and_marks_the_current_one():
    program = [{"alu": [("+", 1, 1, 1)] * 12}, {"load": [("const", 0, 1)]}, {"debug": []}] * 4
    table = SlotTable(program)
    profile = Profile(table, range(len(program)))
    strip = occupancy_strip(profile, profile.cycles, 4, cycle=5)
    assert strip.span == 8 and strip.cycles_per_cell == 2 and strip.marker == 2
    assert strip.cells[0][0] == 0.5  # alu: 12 slots in 2 cycles of 12
    assert strip.cells[0][2] == 0.25  # load: 1 slot in 2 cycles of 2


async def test_engines_pane_draws_bars_utilization_and_bound():
    program = [{"alu": [("+", 1, 1, 1)] * 12}, {"load": [("const", 0, 1)]}] * 4
    table = SlotTable(program)
    profile = Profile(table, range(len(program)))
    pane = EnginesView()
    async with Host(pane).run_test(size=(120, 10)):
        figures = EngineFigures(
            bundle={"alu": 12},
            run=profile.report(0, 2),
            whole=profile.report(),
            strip=occupancy_strip(profile, 8, pane.strip_width(120), cycle=1),
            cycle=1,
        )
        pane.show(figures)
        lines = rows(pane)
        assert lines[1].startswith("alu    ████████████ 12/12")
        assert "50%" in lines[1]
        assert "▲ cycle 1" in lines[6]
        assert lines[7] == "slot-count bound 4 cycles (set by alu) · program 8 cycles, 2.00x the bound"


async def test_engines_pane_in_seven_rows_keeps_the_bound_and_fits_its_titles():
    program = [{"alu": [("+", 1, 1, 1)] * 12}, {"load": [("const", 0, 1)]}] * 4000
    profile = Profile(SlotTable(program), range(len(program)))
    pane = EnginesView()
    async with Host(pane).run_test(size=(50, 7)):
        strip = occupancy_strip(profile, 8000, pane.strip_width(50), cycle=0)
        pane.show(EngineFigures({"alu": 12}, None, profile.report(), strip, 0))
        lines = rows(pane)
        assert pane.row_count() == 7 and pane.max_scroll_y == 0
        assert lines[0].endswith("occupancy") and len(lines[0]) <= 50
        assert lines[6] == "slot-count bound 4,000 (alu) · program 2.00x"


def test_landmarks_wait_for_the_end_of_the_run():
    text = landmark_text(None).plain
    assert "✓" not in text and "✗" not in text
    assert text.startswith(" landmarks  147,734  18,532  2,164") and text.endswith(
        "run to the end to compare"
    )
    assert len(text) <= 100


def test_landmarks_compare_the_whole_run_and_say_how_far_the_next_is():
    text = landmark_text(RunTotal(2_000, "end")).plain
    assert text.startswith(
        " whole run 2,000 cycles (211 to cut to beat 1,790): 147,734 ✓ 18,532 ✓ 2,164 ✓ 1,790 ✗"
    )
    baseline = landmark_text(RunTotal(147_734, "end")).plain
    assert "(1 to cut to beat 147,734): 147,734 = 18,532 ✗" in baseline
    assert "(under every landmark)" in landmark_text(RunTotal(1_000, "halt")).plain
    assert "faults at cycle 1,234" in landmark_text(RunTotal(1_234, "fault")).plain


PAUSED = StatusFigures(
    kernel="three-lane",
    cycle=1234,
    step=1300,
    pc=10,
    state="paused",
    where="toward round 0, element 0: idx, val",
)


def test_status_position_keeps_its_fields_apart():
    assert position_text(PAUSED).plain == (
        " three-lane  cycle 1,234 · step 1,300 · pc 10 · paused · toward round 0, element 0: idx, val"
    )
    assert " ready" in position_text(StatusFigures("three-lane", 0, 0, 0, "ready")).plain


async def test_status_position_is_cut_with_an_ellipsis_at_100_columns():
    status = StatusBar()
    async with Host(status).run_test(size=(100, 3)) as pilot:
        status.show(replace(PAUSED, where="round 3, elements 17-19: " + "x" * 80))
        await pilot.pause()
        line = status.query_one("#status-position").render_line(0).text
        assert line.startswith(" three-lane  cycle 1,234 · step 1,300 · pc 10 · paused · round 3")
        assert len(line) == 100 and line.endswith("…")


def test_screenshots_ask_svg_viewers_to_keep_the_spaces_between_pieces():
    svg = keep_spaces('<svg class="rich-terminal"><text x="0">&#160;cycle&#160;</text></svg>')
    assert svg.startswith('<svg xml:space="preserve" class="rich-terminal">')


async def test_bundle_rows_put_the_source_line_beside_the_slot_and_the_values_after():
    from vliwdbg.app.bundle import BundleView
    from vliwdbg.app.views import SlotLine

    pane = BundleView()
    slots = [
        SlotLine("alu", 0, "alu 0: x = a + b", "0 -> 12 · a=5 b=7", "x", " at k.py:12"),
        SlotLine("store", 0, "store 0: m[p] = x", "3 -> 12", "values[3]", ""),
    ]
    async with Host(pane).run_test(size=(80, 5)):
        pane.show(7, slots)
        first, second = rows(pane)[:2]
        assert first.startswith("alu 0: x = a + b at k.py:12")
        assert first.index("0 -> 12 · a=5 b=7") == second.index("3 -> 12")
        assert pane.border_subtitle == "pc 7"
