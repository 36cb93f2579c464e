-- Headless Neovim against the recorded-cloud stand-in (tests/cloud): open the seed's buffer, record the
-- diagnostic the seed's literal CompileScriptDraft body gives, apply its quick fix through
-- vim.lsp.buf.code_action() as a user would, and record the line afterwards. The pytest side asserts.
local env = function(name, default)
  local v = os.getenv(name)
  if v == nil or v == '' then
    return default
  end
  return v
end

local result_path = env('SCRIPTUM_E2E_RESULT', 'nvim-result.json')
local timeout_ms = tonumber(env('SCRIPTUM_E2E_TIMEOUT_MS', '30000'))
local result = { steps = {}, menus = {} }

vim.opt.runtimepath:prepend(assert(env('SCRIPTUM_E2E_PLUGIN')))
vim.opt.swapfile = false
local scriptum = require('scriptum')
scriptum.setup({
  cmd = vim.fn.json_decode(assert(env('SCRIPTUM_E2E_CMD'))),
  settings = vim.fn.json_decode(env('SCRIPTUM_E2E_SETTINGS', '{}')),
})

local function wait(what, pred)
  if not vim.wait(timeout_ms, pred, 20) then
    error('timeout waiting for ' .. what)
  end
end

local function finish(ok, err)
  result.ok = ok
  result.error = err
  local f = assert(io.open(result_path, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd(ok and 'qall!' or 'cquit! 1')
end

local chooser
vim.ui.select = function(items, opts, on_choice)
  local labels = {}
  for _, item in ipairs(items) do
    table.insert(labels, opts.format_item and opts.format_item(item) or tostring(item))
  end
  table.insert(result.menus, labels)
  on_choice(chooser(items))
end

local function run()
  local bufnr = vim.api.nvim_get_current_buf()
  wait('the remote diagnostic', function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.source == 'scriptum' then
        return true
      end
    end
    return false
  end)
  result.diagnostics = {}
  local remote
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(result.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, source = d.source,
    })
    if d.source == 'scriptum' then
      remote = d
    end
  end
  table.insert(result.steps, 'diagnostics')

  vim.api.nvim_win_set_cursor(0, { remote.lnum + 1, remote.col })
  chooser = function(items)
    for _, item in ipairs(items) do
      local a = item.action or item[2]
      if a.kind == 'quickfix' and a.edit ~= nil then
        result.quickfix = a.title
        return item
      end
    end
    error('no quick fix with an edit offered')
  end
  local before = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  result.line_before = before[remote.lnum + 1]
  vim.lsp.buf.code_action()
  wait('the quick fix to change the buffer', function()
    return not vim.deep_equal(before, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  end)
  local after = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  result.line_after = after[remote.lnum + 1]
  result.other_lines_unchanged = true
  for i, line in ipairs(before) do
    if i ~= remote.lnum + 1 and after[i] ~= line then
      result.other_lines_unchanged = false
    end
  end
  table.insert(result.steps, 'quickfix')
end

vim.schedule(function()
  local ok, err = pcall(run)
  finish(ok, ok and nil or tostring(err))
end)
