-- Headless Neovim end-to-end run of the scriptum plugin against the real scriptum-lsp and emulator.
--
--   SCRIPTUM_E2E_PLUGIN=editors/nvim SCRIPTUM_E2E_CMD='["python","-m","scriptum_lsp"]' \
--   SCRIPTUM_E2E_SETTINGS='{"endpoint":"http://127.0.0.1:PORT","organization":"org"}' \
--   SCRIPTUM_E2E_RESULT=out.json nvim --headless -n -i NONE -u nvim_e2e.lua demo.scriptum
--
-- Steps (each recorded into the result JSON; the pytest side asserts on it and on the emulator):
-- diagnostics -> quick fix via vim.lsp.buf.code_action() + vim.ui.select -> :ScriptumPublish ->
-- :ScriptumTest -> edit + :ScriptumPublish -> :ScriptumVersions (rollback to v2) -> :ScriptumRollback 1 ->
-- :ScriptumStatus. Exit code 0 only if every step passed.
local env = function(name, default)
  local v = os.getenv(name)
  if v == nil or v == '' then
    return default
  end
  return v
end

local plugin = assert(env('SCRIPTUM_E2E_PLUGIN'), 'SCRIPTUM_E2E_PLUGIN is required')
local result_path = env('SCRIPTUM_E2E_RESULT', 'nvim-result.json')
local timeout_ms = tonumber(env('SCRIPTUM_E2E_TIMEOUT_MS', '30000'))
local test_input = env('SCRIPTUM_E2E_INPUT', '{}')
local v = vim.version()
local result = { nvim = string.format('%d.%d.%d', v.major, v.minor, v.patch), steps = {} }

vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false

local scriptum
local setup_ok, setup_err = pcall(function()
  scriptum = require('scriptum')
  scriptum.setup({
    cmd = vim.fn.json_decode((assert(env('SCRIPTUM_E2E_CMD'), 'SCRIPTUM_E2E_CMD is required'))),
    settings = vim.fn.json_decode((env('SCRIPTUM_E2E_SETTINGS', '{}'))),
    api = env('SCRIPTUM_E2E_API', 'auto'),
  })
end)
result.native_config = vim.lsp.config ~= nil and env('SCRIPTUM_E2E_API', 'auto') == 'auto'

local function step(name)
  table.insert(result.steps, name)
end

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
  local client = scriptum and scriptum.client(0)
  if client then
    if vim.fn.has('nvim-0.11') == 1 then
      client:stop()
    else
      client.stop()
    end
    vim.wait(5000, function()
      return vim.lsp.get_client_by_id(client.id) == nil
    end, 20)
  end
  vim.cmd(ok and 'qall!' or 'cquit! 1')
end

-- Pick from vim.ui.select menus like a user would; `chooser(items, opts)` returns the item.
local chooser
vim.ui.select = function(items, opts, on_choice)
  local labels = {}
  for _, item in ipairs(items) do
    table.insert(labels, opts.format_item and opts.format_item(item) or tostring(item))
  end
  table.insert(result.menus, { prompt = opts.prompt, items = labels })
  local choice = chooser(items, opts)
  on_choice(choice)
end
result.menus = {}

local function code_action_of(item) -- 0.7 passes {client_id, action}; 0.10+ passes {action=, ctx=}
  return item.action or item[2]
end

local function last(command)
  local r = scriptum.state.last[command]
  if r == vim.NIL then
    return {}
  end
  return r
end

local function run()
  local bufnr = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[bufnr].filetype
  result.syntax = vim.b[bufnr].current_syntax
  step('filetype')

  wait('the server to initialize', function()
    local c = scriptum.client(bufnr)
    return c ~= nil and (c.initialized == true or c.initialized == nil and c.server_capabilities ~= nil)
  end)
  step('initialized')

  -- 1. the diagnostic of the broken script
  wait('diagnostics', function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(result.diagnostics, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
      source = d.source,
      code = d.code,
    })
  end
  step('diagnostics')

  -- 2. the quick fix: cursor on the diagnostic, vim.lsp.buf.code_action(), pick the preferred fix
  local first = vim.diagnostic.get(bufnr)[1]
  vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
  chooser = function(items)
    for _, item in ipairs(items) do
      local a = code_action_of(item)
      if a.kind == 'quickfix' and a.isPreferred then
        result.quickfix = a.title
        return item
      end
    end
    error('no preferred quick fix offered')
  end
  local before = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  vim.lsp.buf.code_action()
  wait('the quick fix to change the buffer', function()
    return not vim.deep_equal(before, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  end)
  result.fixed_lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  wait('the fixed diagnostic to go away', function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.message == first.message then
        return false
      end
    end
    return true
  end)
  result.remaining_errors = #vim.diagnostic.get(bufnr, { severity = vim.diagnostic.severity.ERROR })
  vim.cmd('silent write')
  step('quickfix')

  -- 3. publish
  vim.cmd('ScriptumPublish')
  wait('scriptum.publish', function()
    return scriptum.state.last['scriptum.publish'] ~= nil
  end)
  result.publish = last('scriptum.publish')
  if result.publish.error then
    error('publish failed: ' .. result.publish.error)
  end
  step('publish')

  -- 4. test run; its result lands in the scriptum://threads scratch buffer
  vim.cmd('ScriptumTest ' .. test_input)
  wait('scriptum.test', function()
    return scriptum.state.last['scriptum.test'] ~= nil
  end)
  result.test = last('scriptum.test')
  if result.test.error and type(result.test.error) == 'string' and not result.test.threadId then
    error('test failed: ' .. result.test.error)
  end
  wait('the thread result in the scratch buffer', function()
    local buf = scriptum.state.results_buf
    return buf ~= nil and #table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '') > 0
  end)
  result.thread_buffer = {
    name = vim.api.nvim_buf_get_name(scriptum.state.results_buf),
    lines = vim.api.nvim_buf_get_lines(scriptum.state.results_buf, 0, -1, false),
    visible = vim.fn.bufwinid(scriptum.state.results_buf) ~= -1,
  }
  step('test')

  -- 4b. :ScriptumTest FILE, and :ScriptumTest without input (the server reads <name>.input.json)
  result.more_tests = {}
  for _, arg in ipairs({ 'input-file.json', '' }) do
    scriptum.state.last['scriptum.test'] = nil
    vim.cmd('ScriptumTest ' .. arg)
    wait('scriptum.test ' .. arg, function()
      return scriptum.state.last['scriptum.test'] ~= nil
    end)
    table.insert(result.more_tests, last('scriptum.test'))
  end
  result.thread_buffer_all = vim.api.nvim_buf_get_lines(scriptum.state.results_buf, 0, -1, false)
  step('test_inputs')

  -- 5. a second version
  vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { '-- second version' })
  vim.cmd('silent write')
  scriptum.state.last['scriptum.publish'] = nil
  vim.cmd('ScriptumPublish')
  wait('second scriptum.publish', function()
    return scriptum.state.last['scriptum.publish'] ~= nil
  end)
  result.publish2 = last('scriptum.publish')
  step('publish2')

  -- 6. :ScriptumVersions -> pick v2 -> "Rollback"
  local picks = 0
  chooser = function(items)
    picks = picks + 1
    if picks == 1 then
      for _, item in ipairs(items) do
        if tonumber(item.version) == tonumber(result.publish2.version) then
          return item
        end
      end
      error('version ' .. tostring(result.publish2.version) .. ' not listed')
    end
    for _, item in ipairs(items) do
      if item.command == 'scriptum.rollback' then
        return item
      end
    end
  end
  vim.cmd('ScriptumVersions')
  wait('rollback from :ScriptumVersions', function()
    return scriptum.state.last['scriptum.rollback'] ~= nil
  end)
  result.versions = last('scriptum.listVersions')
  result.rollback_from_menu = last('scriptum.rollback')
  step('versions')

  -- 7. :ScriptumRollback 1
  scriptum.state.last['scriptum.rollback'] = nil
  vim.cmd('ScriptumRollback ' .. tostring(result.publish.version))
  wait(':ScriptumRollback', function()
    return scriptum.state.last['scriptum.rollback'] ~= nil
  end)
  result.rollback = last('scriptum.rollback')
  step('rollback')

  -- 8. :ScriptumVersions -> v1 -> "Open read-only" (the server's window/showDocument on 0.8+, the plugin on 0.7)
  local function pick(version, command)
    local n = 0
    return function(items)
      n = n + 1
      for _, item in ipairs(items) do
        if (n == 1 and tonumber(item.version) == version) or (n == 2 and item.command == command) then
          return item
        end
      end
      error('menu entry not found')
    end
  end
  local v1 = tonumber(result.publish.version)
  chooser = pick(v1, 'scriptum.openVersion')
  vim.cmd('ScriptumVersions')
  local opened
  wait('the read-only version buffer', function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(b):match('v' .. v1 .. '%.scriptum$') and vim.fn.bufwinid(b) ~= -1 then
        opened = b
        return true
      end
    end
    return false
  end)
  result.opened_version = {
    name = vim.api.nvim_buf_get_name(opened),
    lines = vim.api.nvim_buf_get_lines(opened, 0, -1, false),
    perm = vim.fn.getfperm(vim.api.nvim_buf_get_name(opened)),
  }
  if vim.fn.bufwinid(bufnr) ~= -1 then
    vim.api.nvim_set_current_win(vim.fn.bufwinid(bufnr))
  else -- window/showDocument reused the script's window
    vim.api.nvim_set_current_buf(bufnr)
  end
  step('open_version')

  -- 9. :ScriptumVersions -> v1 -> "Restore into this buffer" (workspace/applyEdit)
  chooser = pick(v1, 'scriptum.restoreVersion')
  vim.cmd('ScriptumVersions')
  wait('scriptum.restoreVersion', function()
    return scriptum.state.last['scriptum.restoreVersion'] ~= nil
  end)
  result.restore = last('scriptum.restoreVersion')
  result.restored_lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  result.commentstring = vim.bo[bufnr].commentstring
  step('restore')

  -- 10. status
  vim.cmd('ScriptumStatus')
  wait('scriptum.status', function()
    return scriptum.state.last['scriptum.status'] ~= nil
  end)
  result.status = last('scriptum.status')
  result.status_notification = scriptum.state.status
  result.statusline = scriptum.statusline()
  step('status')
end

vim.api.nvim_create_autocmd('VimEnter', {
  callback = function()
    if not setup_ok then
      return finish(false, 'setup failed: ' .. tostring(setup_err))
    end
    local ok, err = xpcall(run, debug.traceback)
    finish(ok, not ok and tostring(err) or nil)
  end,
})
