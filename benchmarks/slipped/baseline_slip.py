"""The baseline kernel with one slip (slip.py)."""

from slip import slipped

from kernels.baseline import KernelBuilder as Baseline


class KernelBuilder(Baseline):
    def build_kernel(self, forest_height, n_nodes, batch_size, rounds):
        super().build_kernel(forest_height, n_nodes, batch_size, rounds)
        self.instrs = slipped(self.instrs)
