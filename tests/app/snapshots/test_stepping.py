"""Pictures of stepping: the start screen and the screen after ten steps."""

from vliwdbg.app.screenshots import shot


def test_start_screen(snap_compare):
    start = shot("start")
    assert snap_compare(start.open_app(), terminal_size=start.size, run_before=start.act)


def test_after_ten_steps(snap_compare):
    ten = shot("ten-steps")
    assert snap_compare(ten.open_app(), terminal_size=ten.size, run_before=ten.act)
