-- nvim-dap adapter and configurations for Scriptum (docs/debugger.md, docs/editors.md "Debugging").
--   require('scriptum.dap').setup()            -- after nvim-dap is loaded
--   require('scriptum.dap').setup({ cmd = { '/path/to/.venv/bin/scriptum-lsp' } })
-- The adapter is `scriptum-lsp debug` on stdio. Breakpoints go on step lines; conditions are Scriptum
-- expressions.
local M = {}

local function input_file()
  local f = vim.fn.expand('%:p:r') .. '.input.json'
  if vim.fn.filereadable(f) == 1 then
    return f
  end
  return nil
end

function M.configurations()
  return {
    { type = 'scriptum', request = 'launch', name = 'Debug script', script = '${file}', input = input_file },
    {
      type = 'scriptum',
      request = 'launch',
      name = 'Replay thread',
      thread = function()
        return vim.fn.input('Thread id: ')
      end,
    },
    {
      type = 'scriptum',
      request = 'launch',
      name = 'Replay thread file',
      threadFile = function()
        return vim.fn.input('Thread file: ', '', 'file')
      end,
    },
  }
end

function M.setup(opts)
  opts = opts or {}
  local ok, dap = pcall(require, 'dap')
  if not ok then
    vim.notify('scriptum: nvim-dap is not installed; the debugger needs it', vim.log.levels.WARN)
    return false
  end
  local cmd = opts.cmd
  if not cmd then
    local okp, scriptum = pcall(require, 'scriptum')
    cmd = okp and scriptum.config and scriptum.config.cmd or { 'scriptum-lsp' }
  end
  local args = {}
  for i = 2, #cmd do
    args[#args + 1] = cmd[i]
  end
  args[#args + 1] = 'debug'
  dap.adapters.scriptum = { type = 'executable', command = cmd[1], args = args }
  dap.configurations.scriptum = M.configurations()
  return true
end

return M
