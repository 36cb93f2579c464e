-- Headless Neovim + nvim-dap against `scriptum-lsp debug` (tests/editors/test_nvim_dap.py runs it).
-- Env: SCRIPTUM_NVIM_PLUGIN (editors/nvim), NVIM_DAP_DIR (an nvim-dap checkout), SCRIPTUM_LSP (the command),
-- SCRIPT (the .scriptum file), OUT (where the results go, one line per fact).
vim.opt.rtp:prepend(os.getenv('NVIM_DAP_DIR'))
vim.opt.rtp:prepend(os.getenv('SCRIPTUM_NVIM_PLUGIN'))
local out = {}
local function put(s) out[#out + 1] = s end
local function finish(code)
  vim.fn.writefile(out, os.getenv('OUT'))
  vim.cmd((code == 0 and 'qall!') or 'cquit!')
end
local dap = require('dap')
assert(require('scriptum.dap').setup({ cmd = { os.getenv('SCRIPTUM_LSP') } }))
vim.cmd('edit ' .. os.getenv('SCRIPT'))
vim.bo.filetype = 'scriptum'
vim.api.nvim_win_set_cursor(0, { 8, 0 })
dap.toggle_breakpoint()
local stops = 0
dap.listeners.after.event_stopped['probe'] = function(session, body)
  stops = stops + 1
  vim.defer_fn(function()
    local frame = session.current_frame
    put(string.format('stop %d %s line=%s name=%s', stops, body.reason, frame and frame.line, frame and frame.name))
    session:request('scopes', { frameId = frame.id }, function(_, scopes)
      for _, s in ipairs(scopes.scopes) do
        if s.name == 'Bindings' then
          session:request('variables', { variablesReference = s.variablesReference }, function(_, vars)
            for _, v in ipairs(vars.variables) do put('var ' .. v.name .. '=' .. v.value) end
            dap.clear_breakpoints()
            if stops == 1 then
              dap.step_over()
            else
              dap.continue()
            end
          end)
        end
      end
    end)
  end, 50)
end
dap.listeners.after.event_terminated['probe'] = function()
  put('terminated')
  vim.defer_fn(function() finish(0) end, 100)
end
dap.run(require('scriptum.dap').configurations()[1])
vim.defer_fn(function() put('timeout'); finish(1) end, 20000)
