-- Headless Neovim run of the plugin's Ignite commands against the real scriptum-lsp and emulator:
-- open handler.py -> :IgniteSave -> :IgniteTest {json} -> :IgnitePublish -> edit + :IgnitePublish ->
-- :IgniteVersions (menu) -> :IgniteRollback 1 -> :IgniteStatus. Results are written to SCRIPTUM_E2E_RESULT.
local env = function(name, default)
  local v = os.getenv(name)
  return (v == nil or v == '') and default or v
end
local result_path = env('SCRIPTUM_E2E_RESULT', 'nvim-ignite.json')
local timeout_ms = tonumber(env('SCRIPTUM_E2E_TIMEOUT_MS', '60000'))
local result = { steps = {}, menus = {}, messages = {} }

vim.opt.runtimepath:prepend(assert(env('SCRIPTUM_E2E_PLUGIN')))
vim.opt.swapfile = false
vim.cmd('runtime plugin/scriptum.lua')
local scriptum = require('scriptum')
scriptum.setup({
  cmd = vim.fn.json_decode(assert(env('SCRIPTUM_E2E_CMD'))),
  settings = vim.fn.json_decode(env('SCRIPTUM_E2E_SETTINGS', '{}')),
  api = env('SCRIPTUM_E2E_API', 'auto'),
})
local ignite = require('scriptum.ignite')
local notify = vim.notify
vim.notify = function(msg, level)
  table.insert(result.messages, msg)
  notify(msg, level)
end
vim.ui.select = function(items, opts, on_choice)
  local labels = {}
  for _, item in ipairs(items) do
    table.insert(labels, opts.format_item and opts.format_item(item) or tostring(item))
  end
  table.insert(result.menus, { prompt = opts.prompt, items = labels })
  if opts.prompt == 'Ignite versions' then
    on_choice(items[1])
  else
    on_choice(items[3]) -- "Rollback (make active)"
  end
end

local function finish(ok, err)
  result.ok, result.error = ok, err
  local f = assert(io.open(result_path, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd(ok and 'qall!' or 'cquit! 1')
end

local function run(name, command, fn)
  ignite.state.last[command] = nil
  scriptum.state.last[command] = nil
  fn()
  if not vim.wait(timeout_ms, function()
    return scriptum.state.last[command] ~= nil
  end, 20) then
    error('timeout waiting for ' .. name)
  end
  local got = scriptum.state.last[command]
  if type(got) == "table" and got.error and vim.tbl_count(got) == 1 then
    error(name .. ': ' .. tostring(got.error))
  end
  result[name] = got
  table.insert(result.steps, name)
  return got
end

vim.api.nvim_create_autocmd('VimEnter', { once = true, callback = function() vim.schedule(function()
local ok, err = pcall(function()
  run('save', 'ignite.saveDraft', function() vim.cmd('IgniteSave') end)
  run('test', 'ignite.testDraft', function() vim.cmd([[IgniteTest {"name": "nvim"}]]) end)
  result.test_window = vim.api.nvim_buf_get_name(0)
  result.test_lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  vim.cmd('wincmd p')
  run('publish', 'ignite.publishDraft', function() vim.cmd('IgnitePublish') end)
  -- an unsaved edit: the server sees the buffer's text
  vim.api.nvim_buf_set_lines(0, -1, -1, false, { '# second version' })
  run('publish2', 'ignite.publishDraft', function() vim.cmd('IgnitePublish') end)
  run('rollback_from_menu', 'ignite.rollback', function() vim.cmd('IgniteVersions') end)
  run('rollback', 'ignite.rollback', function() vim.cmd('IgniteRollback 2') end)
  run('status', 'ignite.status', function() vim.cmd('IgniteStatus') end)
end)
finish(ok, not ok and tostring(err) or nil)
end) end })
