"""The take-home's submission check in shape: it imports the kernel file and its machine as
`frozen_problem`, builds the kernel once (cached, so every run gets the same program object),
runs it with pauses and compares off on fresh unseeded problems, and judges only the values."""

from functools import cache

from frozen_problem import N_CORES, Input, Machine, Tree, build_mem_image, reference_kernel2
from kernel_file import KernelBuilder


@cache
def kernel_builder(forest_height, n_nodes, batch_size, rounds):
    kb = KernelBuilder()
    kb.build_kernel(forest_height, n_nodes, batch_size, rounds)
    return kb


def do_kernel_test(forest_height, rounds, batch_size):
    forest = Tree.generate(forest_height)
    inp = Input.generate(forest, batch_size, rounds)
    mem = build_mem_image(forest, inp)

    kb = kernel_builder(forest.height, len(forest.values), len(inp.indices), rounds)
    value_trace = {}
    machine = Machine(mem, kb.instrs, kb.debug_info(), n_cores=N_CORES, value_trace=value_trace)
    machine.enable_pause = False
    machine.enable_debug = False
    machine.run()

    *_, ref_mem = reference_kernel2(mem, value_trace)
    values_p = ref_mem[6]
    assert (
        machine.mem[values_p : values_p + len(inp.values)] == ref_mem[values_p : values_p + len(inp.values)]
    ), "Incorrect output values"
    return machine.cycle
