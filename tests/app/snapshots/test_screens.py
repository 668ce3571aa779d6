"""Pictures of the help screen and of the narrow layout (100x30)."""

from vliwdbg.app.screenshots import shot


def test_help_screen(snap_compare):
    help_ = shot("help")
    assert snap_compare(help_.open_app(), terminal_size=help_.size, run_before=help_.act)


def test_narrow_layout(snap_compare):
    narrow = shot("narrow")
    assert snap_compare(narrow.open_app(), terminal_size=narrow.size, run_before=narrow.act)
