-- Ignite app drafts from Neovim: :IgniteSave, :IgniteCompile, :IgniteTest, :IgnitePublish, :IgniteVersions,
-- :IgniteRollback, :IgniteStatus. Each calls the server's `ignite.*` command (docs/commands.md) for the app
-- whose folder holds the current buffer. The server is attached to the buffer on first use: it then sees
-- the unsaved text, shows compile and handler errors as diagnostics, and offers nothing else on Python or
-- Rust files (your own Python / Rust server keeps them).
local scriptum = require('scriptum')
local M = {}

M.state = { last = {} } -- command -> last result (or { error = ... }), for tests and statuslines

local function notify(msg, level)
  vim.notify('Ignite: ' .. msg, level or vim.log.levels.INFO)
end

--- The scriptum client for this buffer, started and attached when needed; waits for its initialization.
local function ensure_client(bufnr)
  local client = scriptum.client(bufnr)
  if not client then
    local id = scriptum.start(bufnr)
    client = id and vim.lsp.get_client_by_id(id)
  end
  if not client then
    notify('scriptum-lsp could not be started', vim.log.levels.ERROR)
    return nil
  end
  vim.wait(15000, function()
    return client.initialized == true or (client.is_stopped and client:is_stopped())
  end, 20)
  return client
end

--- Run an `ignite.*` command for the current buffer; `on_result(result)` on success.
function M.execute(command, args, on_result)
  local bufnr = vim.api.nvim_get_current_buf()
  if not ensure_client(bufnr) then
    return false
  end
  return scriptum.execute(command, args, function(result)
    M.state.last[command] = result == nil and vim.NIL or result
    if on_result then
      on_result(result)
    end
  end, bufnr)
end

local function open_file_uri(uri)
  if type(uri) == 'string' and uri:match('^file:') then
    vim.cmd('split ' .. vim.fn.fnameescape(vim.uri_to_fname(uri)))
  end
end

function M.save()
  return M.execute('ignite.saveDraft', nil, function(r)
    notify(string.format('%s: draft saved (%d files, %s)', r.app, #(r.files or {}), tostring(r.status)))
  end)
end

function M.compile()
  return M.execute('ignite.compileDraft', nil, function(r)
    if r.skipped then
      notify(r.message or 'nothing to compile')
    else
      local level = r.status == 'COMPILED' and vim.log.levels.INFO or vim.log.levels.ERROR
      notify(r.app .. ': compile ' .. tostring(r.status) .. ' (errors are diagnostics)', level)
    end
  end)
end

--- `arg`: JSON text, a .json file, or empty (the app's payload.json, else {}).
function M.test(arg)
  arg = vim.trim(arg or '')
  local args = { open = false }
  if arg ~= '' then
    args.payload = arg
  end
  notify('test run started')
  return M.execute('ignite.testDraft', args, function(r)
    local level = r.ok and vim.log.levels.INFO or vim.log.levels.WARN
    notify(string.format('%s %s in %s ms', r.executionId, tostring(r.status), tostring(r.durationMs)), level)
    open_file_uri(r.document)
  end)
end

function M.publish()
  return M.execute('ignite.publishDraft', nil, function(r)
    notify(r.app .. ': published v' .. tostring(r.version))
  end)
end

M.version_actions = {
  { label = 'Open read-only', command = 'ignite.openVersion' },
  { label = 'Diff with the workspace', command = 'ignite.diffVersion' },
  { label = 'Rollback (make active)', command = 'ignite.rollback' },
}

function M.version_action(action, version)
  return M.execute(action.command, { version = version }, function(r)
    if action.command == 'ignite.rollback' then
      notify('active version is now v' .. tostring(r.activeVersion))
    elseif action.command == 'ignite.openVersion' and r.shown ~= true then
      open_file_uri(r.uri)
    elseif action.command == 'ignite.diffVersion' then
      if type(r.left) == 'string' then
        vim.cmd('diffthis')
        vim.cmd('vsplit ' .. vim.fn.fnameescape(vim.uri_to_fname(r.left)))
        vim.cmd('diffthis')
      end
      notify('changed since v' .. tostring(version) .. ': ' .. table.concat(r.changedFiles or {}, ', '))
    end
  end)
end

function M.versions()
  return M.execute('ignite.listVersions', nil, function(items)
    if type(items) ~= 'table' or #items == 0 then
      notify('no published versions yet')
      return
    end
    vim.ui.select(items, {
      prompt = 'Ignite versions',
      format_item = function(v)
        return string.format('v%s  %-11s %s%s', v.version, v.status, v.codeHash, v.active and '  (active)' or '')
      end,
    }, function(choice)
      if not choice then
        return
      end
      vim.ui.select(M.version_actions, {
        prompt = 'Version ' .. tostring(choice.version),
        format_item = function(a)
          return a.label
        end,
      }, function(action)
        if action then
          M.version_action(action, choice.version)
        end
      end)
    end)
  end)
end

--- Roll back to version N; without N, to the version before the active one.
function M.rollback(version)
  local text = vim.trim(tostring(version or ''))
  local n = tonumber(text:match('^v?(%d+)$') or '')
  if text ~= '' and not n then
    notify('usage: :IgniteRollback [N]', vim.log.levels.ERROR)
    return false
  end
  return M.version_action(M.version_actions[3], n or 0)
end

function M.status()
  return M.execute('ignite.status', nil, function(r)
    local parts = {}
    for _, a in ipairs(r.apps or {}) do
      table.insert(parts, string.format('%s: draft %s, active v%s', a.app, tostring(a.draft), tostring(a.activeVersion)))
    end
    notify(#parts > 0 and table.concat(parts, '; ') or 'no Ignite app here')
  end)
end

return M
