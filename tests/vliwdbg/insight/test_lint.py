"""Lint findings on programs with each kind of problem, and none on clean ones."""

from vliwdbg.insight.lint import LintFinding, lint, lint_report, lint_status, summary_line

CLEAN = [
    {"load": [("const", 0, 5), ("const", 1, 7)]},
    {"alu": [("+", 2, 0, 1)], "valu": [("vbroadcast", 8, 1)]},
    {"valu": [("+", 16, 8, 8)], "debug": [("compare", 2, (0, 0, "idx"))]},
    {"store": [("vstore", 0, 16), ("store", 2, 1)]},
]


def by_severity(findings: list[LintFinding], severity: str) -> list[LintFinding]:
    return [f for f in findings if f.severity == severity]


def test_clean_program_has_no_findings_and_status_0():
    findings = lint(CLEAN, 1536)
    assert findings == []
    assert lint_status(findings) == 0
    assert summary_line(findings) == "0 errors, 0 notes"


def test_same_bundle_read_of_a_written_word_is_a_note():
    program = [
        {"load": [("const", 0, 5), ("const", 2, 7)]},
        {"alu": [("+", 2, 0, 2)], "valu": [("vbroadcast", 8, 2)]},  # reads s[2] that alu writes
        {"store": [("vstore", 0, 8)]},
    ]
    findings = lint(program, 1536, scratch_map={2: ("sum", 1)})
    notes = by_severity(findings, "note")
    assert len(notes) == 1
    h = notes[0]
    assert (h.pc, h.engine, h.slot_index) == (1, "valu", 0)
    assert "reads sum, which alu[0] writes in the same bundle" in h.message
    assert h.line().startswith("pc 1 valu[0] (vbroadcast 8 2) note: reads sum")
    assert by_severity(findings, "error") == []
    assert lint_status(findings) == 0


def test_two_writes_to_one_word_is_an_error_on_the_later_writer():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {"alu": [("+", 2, 0, 1), ("-", 2, 0, 1)]},
        {"store": [("store", 0, 2)]},
    ]
    findings = lint(program, 1536)
    errors = by_severity(findings, "error")
    assert [(h.pc, h.engine, h.slot_index) for h in errors] == [(1, "alu", 1)]
    assert "writes s[2], which alu[0] also writes" in errors[0].message
    assert lint_status(findings) == 1


def test_vector_extents_and_load_offset_words_are_followed():
    program = [
        {"load": [("const", 0, 5)], "valu": [("vbroadcast", 8, 0)]},
        # load_offset writes s[8 + 3] and reads s[0 + 3]; the valu reads s[8..15]
        {"load": [("load_offset", 8, 0, 3)], "valu": [("+", 16, 8, 8)]},
        {"store": [("vstore", 0, 16)]},
    ]
    findings = lint(program, 1536)
    same_bundle = [f for f in findings if "in the same bundle" in f.message]
    assert [(f.pc, f.engine, f.severity) for f in same_bundle] == [(0, "valu", "note"), (1, "valu", "note")]
    assert "reads s[0], which load[0] writes" in same_bundle[0].message
    assert "reads s[11], which load[0] writes" in same_bundle[1].message
    early = [
        (f.pc, f.engine, f.severity, f.message) for f in findings if "in the same bundle" not in f.message
    ]
    # vbroadcast reads s[0] in the bundle that first writes it: it certainly reads 0. The
    # load_offset reads s[3], which nothing ever writes: a register kept at 0, maybe on purpose.
    assert early == [
        (
            0,
            "valu",
            "error",
            "reads s[0] before the slot that writes it (straight-line code from the start: it reads 0)",
        ),
        (1, "load", "note", "reads s[3] before any slot writes it (scratch starts at 0)"),
    ]


def test_a_read_before_its_write_in_straight_line_code_is_an_error():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {"alu": [("+", 2, 0, 3)]},  # s[3] read before written
        {"load": [("const", 3, 1)]},  # s[3] written now, but read only before
        {"flow": [("select", 4, 2, 0, 1)]},  # s[4] never read
        {"store": [("store", 0, 2)]},
    ]
    findings = lint(program, 1536, scratch_map={4: ("picked", 1)})
    assert [(f.pc, f.severity, f.message) for f in findings] == [
        (
            1,
            "error",
            "reads s[3] before the slot that writes it (straight-line code from the start: it reads 0)",
        ),
        (3, "note", "writes picked, which no slot ever reads"),
    ]
    assert lint_status(findings) == 1


def test_a_loop_that_writes_a_word_later_in_the_listing_but_earlier_in_time_is_only_noted():
    program = [
        {"load": [("const", 0, 3), ("const", 1, 1)]},  # 0: counter, 1: one
        {"alu": [("+", 2, 2, 3)]},  # the loop's top: reads s[3], written below on each pass
        {"load": [("const", 3, 1)], "alu": [("-", 0, 0, 1)]},
        {"flow": [("cond_jump", 0, 1)]},
        {"store": [("store", 1, 2)]},
    ]
    findings = lint(program, 1536)
    assert [(f.pc, f.severity) for f in findings] == [(1, "note")]
    assert lint_status(findings) == 0


def test_reads_past_the_first_jump_are_only_noted():
    program = [
        {"load": [("const", 0, 1)]},
        {"flow": [("cond_jump", 0, 3)]},
        {"alu": [("+", 2, 0, 5)]},  # after a jump: judged in program order only
        {"load": [("const", 5, 1)]},
        {"store": [("store", 0, 2)]},
    ]
    findings = lint(program, 1536)
    assert [(f.pc, f.severity) for f in findings] == [(2, "note")]


def test_a_register_nothing_writes_is_a_zero_kept_on_purpose():
    program = [{"alu": [("+", 1, 0, 0)]}, {"store": [("store", 0, 1)]}]
    assert [(f.pc, f.severity) for f in lint(program, 1536)] == [(0, "note")]


def test_a_select_candidate_is_not_a_certain_read():
    program = [
        {"load": [("const", 0, 1), ("const", 1, 7)]},
        {"flow": [("select", 2, 0, 1, 3)]},  # s[3] is read only if s[0] is 0
        {"load": [("const", 3, 1)]},
        {"store": [("store", 1, 2)]},
    ]
    assert [(f.pc, f.severity) for f in lint(program, 1536)] == [(1, "note")]


def test_errors_come_from_the_static_checker_and_rank_first():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7), ("const", 2, 9)]},  # over the limit
        {"alu": [("frob", 2, 0, 1)]},  # unknown op
        {"alu": [("+", 2, 0)]},  # wrong arity
        {"alu": [("+", 2, 0, 1536)]},  # operand out of range
        {"warp": []},  # unknown engine
        {"store": [("store", 0, 2)]},
    ]
    findings = lint(program, 1536)
    errors = by_severity(findings, "error")
    assert sorted({e.pc for e in errors}) == [0, 1, 2, 3, 4]
    assert lint_status(findings) == 1
    assert findings[0].severity == "error"


def test_marked_bundles_silence_their_same_bundle_findings_and_are_counted():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {
            "alu": [("+", 2, 0, 1), ("+", 0, 0, 1)],
            "store": [("store", 0, 1)],  # reads s[0], which alu[1] bumps: a post-increment
            "debug": [("comment", "lint: reads-old")],
        },
        {"alu": [("+", 3, 0, 2), ("-", 3, 0, 2)], "debug": [("comment", "lint: reads-old")]},
        {"store": [("store", 0, 3)]},
    ]
    report = lint_report(program, 1536)
    assert [(f.pc, f.engine, f.slot_index, f.severity) for f in report.findings] == [(2, "alu", 1, "error")]
    assert report.silenced == 2  # alu[0] and the store both read s[0] before alu[1] bumps it
    assert report.status == 1
    assert report.summary() == "1 error, 0 notes (2 more marked deliberate with a 'lint:' comment)"


def test_the_overwrite_mark_silences_double_writes():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {"alu": [("+", 2, 0, 1), ("-", 2, 0, 1)], "debug": [("comment", "lint: overwrite")]},
        {"store": [("store", 0, 2)]},
    ]
    report = lint_report(program, 1536)
    assert report.findings == []
    assert report.silenced == 1
    assert report.status == 0


def test_compares_are_not_findings_since_they_check_themselves_at_run_time():
    program = [
        {"load": [("const", 0, 5)]},
        {"alu": [("+", 0, 0, 0)], "debug": [("compare", 0, (0, 0, "idx"))]},
        {"store": [("store", 0, 0)]},
    ]
    assert lint(program, 1536) == []


def test_a_select_operand_out_of_range_only_when_chosen_is_a_note():
    program = [
        {"load": [("const", 0, 1), ("const", 1, 7)]},
        {"flow": [("select", 2, 0, 1, 5000)]},
        {"store": [("store", 1, 2)]},
    ]
    findings = lint(program, 1536)
    assert [(f.pc, f.severity) for f in findings] == [(1, "note")]
    assert "only when chosen" in findings[0].message
