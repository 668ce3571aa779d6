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
    assert summary_line(findings) == "0 errors, 0 hazards, 0 notes"


def test_same_bundle_read_of_a_written_word_is_a_hazard():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {"alu": [("+", 2, 0, 1)], "valu": [("vbroadcast", 8, 2)]},  # reads s[2] that alu writes
        {"store": [("vstore", 0, 8)]},
    ]
    findings = lint(program, 1536, scratch_map={2: ("sum", 1)})
    hazards = by_severity(findings, "hazard")
    assert len(hazards) == 1
    h = hazards[0]
    assert (h.pc, h.engine, h.slot_index) == (1, "valu", 0)
    assert "reads sum, which alu[0] writes in the same bundle" in h.message
    assert h.line().startswith("pc 1 valu[0] (vbroadcast 8 2) hazard: reads sum")
    assert lint_status(findings) == 1


def test_two_writes_to_one_word_is_a_hazard_on_the_later_writer():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {"alu": [("+", 2, 0, 1), ("-", 2, 0, 1)]},
        {"store": [("store", 0, 2)]},
    ]
    hazards = by_severity(lint(program, 1536), "hazard")
    assert [(h.pc, h.engine, h.slot_index) for h in hazards] == [(1, "alu", 1)]
    assert "writes s[2], which alu[0] also writes" in hazards[0].message


def test_vector_extents_and_load_offset_words_are_followed():
    program = [
        {"load": [("const", 0, 5)], "valu": [("vbroadcast", 8, 0)]},
        # load_offset writes s[8 + 3] and reads s[0 + 3]; the valu reads s[8..15]
        {"load": [("load_offset", 8, 0, 3)], "valu": [("+", 16, 8, 8)]},
        {"store": [("vstore", 0, 16)]},
    ]
    findings = lint(program, 1536)
    hazards = by_severity(findings, "hazard")
    assert [(h.pc, h.engine) for h in hazards] == [(0, "valu"), (1, "valu")]
    assert "reads s[0], which load[0] writes" in hazards[0].message
    assert "reads s[11], which load[0] writes" in hazards[1].message
    notes = by_severity(findings, "note")
    # vbroadcast reads s[0] in the bundle that first writes it; load_offset reads s[3], never written
    assert [(n.pc, n.engine, n.message) for n in notes] == [
        (0, "valu", "reads s[0] before any slot writes it (scratch starts at 0)"),
        (1, "load", "reads s[3] before any slot writes it (scratch starts at 0)"),
    ]


def test_dead_writes_and_early_reads_are_notes():
    program = [
        {"load": [("const", 0, 5), ("const", 1, 7)]},
        {"alu": [("+", 2, 0, 3)]},  # s[3] read before written
        {"load": [("const", 3, 1)]},  # s[3] written now, but read only before
        {"flow": [("select", 4, 2, 0, 1)]},  # s[4] never read
        {"store": [("store", 0, 2)]},
    ]
    findings = lint(program, 1536, scratch_map={4: ("picked", 1)})
    notes = [(n.pc, n.message) for n in by_severity(findings, "note")]
    assert notes == [
        (1, "reads s[3] before any slot writes it (scratch starts at 0)"),
        (3, "writes picked, which no slot ever reads"),
    ]
    assert lint_status(findings) == 0


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
    assert lint_status(findings) == 2
    assert findings[0].severity == "error"


def test_marked_bundles_silence_their_hazards_and_are_counted():
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
    assert [(f.pc, f.engine, f.slot_index) for f in report.findings if f.severity == "hazard"] == [
        (2, "alu", 1)
    ]
    assert report.silenced == 2  # alu[0] and the store both read s[0] before alu[1] bumps it
    assert report.status == 1
    assert report.summary() == (
        "0 errors, 1 hazard, 0 notes (2 more hazards marked deliberate with a 'lint:' comment)"
    )


def test_compares_are_not_hazards_since_they_check_themselves_at_run_time():
    program = [
        {"load": [("const", 0, 5)]},
        {"alu": [("+", 0, 0, 0)], "debug": [("compare", 0, (0, 0, "idx"))]},
        {"store": [("store", 0, 0)]},
    ]
    assert lint(program, 1536) == []


def test_a_select_operand_out_of_range_only_when_chosen_is_a_hazard():
    program = [
        {"load": [("const", 0, 1), ("const", 1, 7)]},
        {"flow": [("select", 2, 0, 1, 5000)]},
        {"store": [("store", 1, 2)]},
    ]
    findings = lint(program, 1536)
    assert [(f.pc, f.severity) for f in findings] == [(1, "hazard")]
    assert "only when chosen" in findings[0].message
