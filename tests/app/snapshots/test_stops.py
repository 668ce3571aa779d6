"""Pictures of the stops a user meets: a breakpoint, a divergence, a fault."""

from vliwdbg.app.screenshots import shot


def test_stopped_at_a_breakpoint(snap_compare):
    stop = shot("breakpoint")
    assert snap_compare(stop.open_app(), terminal_size=stop.size, run_before=stop.act)


def test_stopped_at_a_divergence(snap_compare):
    stop = shot("divergence")
    assert snap_compare(stop.open_app(), terminal_size=stop.size, run_before=stop.act)


def test_stopped_at_a_fault(snap_compare):
    stop = shot("fault")
    assert snap_compare(stop.open_app(), terminal_size=stop.size, run_before=stop.act)
