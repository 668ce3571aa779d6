-- nvim-dap: vliwdbg as the adapter of the `vliwdbg` type, and a configuration for kernel
-- files. Put this in your config (e.g. after/plugin/vliwdbg.lua); `vliwdbg` must be on
-- the PATH (or give its full path in `command`).
local dap = require('dap')

dap.adapters.vliwdbg = { type = 'executable', command = 'vliwdbg', args = { '--dap' } }

dap.configurations.python = dap.configurations.python or {}
table.insert(dap.configurations.python, {
  type = 'vliwdbg',
  request = 'launch',
  name = 'vliwdbg: this kernel',
  kernel = '${file}',
  height = 10,
  rounds = 16,
  batch = 256,
})
