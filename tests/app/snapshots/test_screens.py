"""Pictures of the help screen, the narrow layout (100x30), the source pane and more."""

from vliwdbg.app.screenshots import shot


def test_help_screen(snap_compare):
    help_ = shot("help")
    assert snap_compare(help_.open_app(), terminal_size=help_.size, run_before=help_.act)


def test_narrow_layout(snap_compare):
    narrow = shot("narrow")
    assert snap_compare(narrow.open_app(), terminal_size=narrow.size, run_before=narrow.act)


def test_dense_bundle(snap_compare):
    one = shot("dense-bundle")
    assert snap_compare(one.open_app(), terminal_size=one.size, run_before=one.act)


def test_output_enlarged(snap_compare):
    one = shot("output-enlarged")
    assert snap_compare(one.open_app(), terminal_size=one.size, run_before=one.act)


def test_memory_follows_a_divergence(snap_compare):
    one = shot("memory-follows")
    assert snap_compare(one.open_app(), terminal_size=one.size, run_before=one.act)


def test_build_screen(snap_compare):
    one = shot("build")
    assert snap_compare(one.open_app(), terminal_size=one.size, run_before=one.act)


def test_source_pane(snap_compare):
    one = shot("source")
    assert snap_compare(one.open_app(), terminal_size=one.size, run_before=one.act)


def test_source_pane_narrow(snap_compare):
    one = shot("source-narrow")
    assert snap_compare(one.open_app(), terminal_size=one.size, run_before=one.act)
