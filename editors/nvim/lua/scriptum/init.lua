-- scriptum.nvim: Neovim setup for scriptum-lsp (the Scriptum language server).
--
--   require('scriptum').setup({
--     settings = { endpoint = 'https://api.dodil.io', organization = 'acme' },
--   })
--
-- Works on Neovim 0.7 (vim.lsp.start_client) and uses vim.lsp.config / vim.lsp.enable on 0.11+.
-- The token is never a plugin option you should write into a file: the server reads DODIL_TOKEN or
-- SCRIPTUM_TOKEN from its environment (inherited from Neovim) or the dodil CLI config.
local M = {}

local NAME = 'scriptum'

local defaults = {
  -- how to start the server; a list (argv)
  cmd = { 'scriptum-lsp' },
  -- extra environment for the server process (e.g. { DODIL_TOKEN = os.getenv('MY_TOKEN') })
  cmd_env = nil,
  filetypes = { 'scriptum' },
  -- a folder holding one of these is the workspace root; else the file's own folder
  root_markers = { 'scriptum.toml', '.git' },
  -- the `scriptum` settings section (endpoint, organization, diagnostics = {...}, ...); sent as
  -- initializationOptions and answered to workspace/configuration
  settings = {},
  -- start the server automatically for scriptum buffers
  autostart = true,
  -- where thread results go: 'split' (scratch buffer in a split), 'buffer' (scratch buffer, not shown), 'none'
  results = 'split',
  -- 'auto' = vim.lsp.config/enable when present (0.11+), vim.lsp.start (0.8-0.10), else vim.lsp.start_client;
  -- 'start' forces the 0.8-0.10 path (vim.lsp.start), 'legacy' the 0.7 one (vim.lsp.start_client)
  api = 'auto',
  on_attach = nil,
  capabilities = nil,
}

M.config = vim.deepcopy(defaults)

-- What the plugin has seen; tests and statuslines read it.
M.state = {
  status = nil, -- last scriptum/status params
  threads = {}, -- threadId -> last known result
  thread_order = {}, -- threadIds, oldest first
  last = {}, -- command name -> last result (or { error = ... })
  results_buf = nil,
}

local function has(feature)
  return vim.fn.has(feature) == 1
end

local function notify(msg, level)
  vim.notify('Scriptum: ' .. msg, level or vim.log.levels.INFO)
end

local function is_list(t)
  if vim.islist then
    return vim.islist(t)
  end
  return vim.tbl_islist(t)
end

-- JSON helpers ------------------------------------------------------------------------------------

local function json_encode(value)
  if value == nil or value == vim.NIL then
    return 'null'
  end
  return vim.fn.json_encode(value)
end

--- Pretty-print a decoded JSON value (tables from the LSP client) as indented JSON lines.
function M.pretty_json(value, indent)
  indent = indent or ''
  if type(value) ~= 'table' or value == vim.NIL then
    return json_encode(value)
  end
  if next(value) == nil then
    return is_list(value) and getmetatable(value) == nil and '[]' or '{}'
  end
  local inner = indent .. '  '
  local parts = {}
  if is_list(value) then
    for _, v in ipairs(value) do
      table.insert(parts, inner .. M.pretty_json(v, inner))
    end
    return '[\n' .. table.concat(parts, ',\n') .. '\n' .. indent .. ']'
  end
  local keys = vim.tbl_keys(value)
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  for _, k in ipairs(keys) do
    table.insert(parts, inner .. json_encode(tostring(k)) .. ': ' .. M.pretty_json(value[k], inner))
  end
  return '{\n' .. table.concat(parts, ',\n') .. '\n' .. indent .. '}'
end

-- Decode JSON text typed by the user; an empty object stays an object on the wire.
local function decode_user_json(text)
  local ok, value = pcall(vim.fn.json_decode, text)
  if not ok then
    return nil, tostring(value)
  end
  if type(value) == 'table' and next(value) == nil and not text:match('^%s*%[') then
    value = vim.empty_dict()
  end
  return value
end

-- Root folder -------------------------------------------------------------------------------------

local function root_dir_for(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  local dir = path ~= '' and vim.fn.fnamemodify(path, ':p:h') or vim.fn.getcwd()
  for _, marker in ipairs(M.config.root_markers or {}) do
    local found = vim.fn.finddir(marker, dir .. ';')
    if found == '' then
      found = vim.fn.findfile(marker, dir .. ';')
    end
    if found ~= '' then
      local full = vim.fn.fnamemodify(found, ':p'):gsub('/$', '')
      return vim.fn.fnamemodify(full, ':h')
    end
  end
  return dir
end

-- Clients -----------------------------------------------------------------------------------------

local function clients_for(bufnr)
  local out = {}
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = NAME })
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == NAME then
      table.insert(out, client)
    end
  end
  return out
end

--- The scriptum client attached to a buffer (current buffer by default), or nil.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  return clients_for(bufnr)[1]
end

local function client_request(client, method, params, handler, bufnr)
  if has('nvim-0.11') then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

-- Results scratch buffer --------------------------------------------------------------------------

local function results_buffer()
  local buf = M.state.results_buf
  if buf and vim.api.nvim_buf_is_valid(buf) then
    return buf
  end
  buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, 'scriptum://threads')
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = 'scriptumresult'
  M.state.results_buf = buf
  return buf
end

local function render_thread(t)
  local lines = {}
  local head = string.format('## thread %s  %s', tostring(t.threadId or '?'), tostring(t.status or '?'))
  local ms = tonumber(t.durationMs ~= vim.NIL and t.durationMs or nil)
  if ms then
    head = head .. string.format('  (%d ms)', ms)
  end
  table.insert(lines, head)
  if t.error ~= nil and t.error ~= vim.NIL and t.error ~= '' then
    table.insert(lines, 'error:')
    for _, l in ipairs(vim.split(type(t.error) == 'string' and t.error or M.pretty_json(t.error), '\n')) do
      table.insert(lines, '  ' .. l)
    end
  end
  if t.output ~= nil and t.output ~= vim.NIL then
    table.insert(lines, 'output:')
    local out = type(t.output) == 'string' and t.output or M.pretty_json(t.output)
    for _, l in ipairs(vim.split(out, '\n')) do
      table.insert(lines, '  ' .. l)
    end
  end
  table.insert(lines, '')
  return lines
end

--- Show (or update) a thread result in the `scriptum://threads` scratch buffer.
function M.show_thread(result)
  if type(result) ~= 'table' then
    return
  end
  local id = result.threadId or result.thread_id or ('#' .. (#M.state.thread_order + 1))
  if not M.state.threads[id] then
    table.insert(M.state.thread_order, id)
  end
  M.state.threads[id] = vim.tbl_extend('force', M.state.threads[id] or {}, result, { threadId = id })
  if M.config.results == 'none' then
    return
  end
  local buf = results_buffer()
  local lines = {}
  for i = #M.state.thread_order, 1, -1 do -- newest first
    vim.list_extend(lines, render_thread(M.state.threads[M.state.thread_order[i]]))
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  if M.config.results == 'split' and vim.fn.bufwinid(buf) == -1 then
    local win = vim.api.nvim_get_current_win()
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
    vim.api.nvim_win_set_height(0, math.min(15, math.max(5, #lines)))
    vim.api.nvim_set_current_win(win)
  end
  pcall(vim.cmd, 'doautocmd <nomodeline> User ScriptumThreadFinished')
end

-- Server notifications ----------------------------------------------------------------------------

M.handlers = {
  ['scriptum/threadFinished'] = function(_, params)
    vim.schedule(function()
      M.show_thread(params)
    end)
  end,
  -- state: ok | connecting | offline | unauthorized | rate-limited | error. The server itself shows each
  -- failure once with window/showMessage, so this only feeds the statusline.
  ['scriptum/status'] = function(_, params)
    M.state.status = params
    pcall(vim.cmd, 'redrawstatus')
  end,
}

--- A short status string for statuslines: `scriptum: ok (local)`.
function M.statusline()
  local s = M.state.status
  if not s then
    return ''
  end
  local endpoint = (s.endpoint and s.endpoint ~= vim.NIL) and (' (' .. s.endpoint .. ')') or ''
  return 'scriptum: ' .. tostring(s.state or '?') .. endpoint
end

-- Client configuration ----------------------------------------------------------------------------

--- The client configuration (usable with vim.lsp.config, vim.lsp.start or vim.lsp.start_client).
function M.client_config()
  local settings = M.config.settings or {}
  local init_options = next(settings) and vim.deepcopy(settings) or vim.empty_dict()
  return {
    name = NAME,
    cmd = M.config.cmd,
    cmd_env = M.config.cmd_env,
    filetypes = M.config.filetypes,
    root_markers = M.config.root_markers,
    init_options = init_options,
    settings = { [NAME] = vim.deepcopy(settings) },
    handlers = M.handlers,
    on_attach = M.config.on_attach,
    capabilities = M.config.capabilities,
  }
end

local legacy_clients = {} -- root_dir -> client id (0.7 path)

--- Start (or reuse) the server for a buffer and attach it. Returns the client id or nil.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if M.client(bufnr) then
    return M.client(bufnr).id
  end
  local config = M.client_config()
  config.root_dir = root_dir_for(bufnr)
  config.workspace_folders = {
    { uri = vim.uri_from_fname(config.root_dir), name = config.root_dir },
  }
  config.root_markers = nil
  config.filetypes = nil
  if M.config.api ~= 'legacy' and vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = legacy_clients[config.root_dir]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    if not id then
      notify('could not start ' .. table.concat(config.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    legacy_clients[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function uses_native_config()
  return M.config.api == 'auto' and vim.lsp.config ~= nil and vim.lsp.enable ~= nil
end

--- Configure the plugin; starts the server for scriptum buffers unless `autostart = false`.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  for _, key in ipairs({ 'cmd', 'filetypes', 'root_markers', 'settings' }) do
    if opts and opts[key] ~= nil then -- replaced, not merged index by index
      M.config[key] = opts[key]
    end
  end
  if uses_native_config() then
    local cfg = M.client_config()
    cfg.name = nil
    vim.lsp.config(NAME, cfg)
    if M.config.autostart then
      vim.lsp.enable(NAME)
    end
    return
  end
  local group = vim.api.nvim_create_augroup('scriptum_lsp', { clear = true })
  if not M.config.autostart then
    return
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  -- buffers opened before setup() ran
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      M.start(buf)
    end
  end
end

-- Commands ----------------------------------------------------------------------------------------

--- Run `workspace/executeCommand` for the current buffer. `args` is merged into `{ uri = ... }`.
--- `on_result(result)` runs on success. Returns false when no scriptum client is attached.
function M.execute(command, args, on_result, bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = M.client(bufnr)
  if not client then
    notify('no scriptum-lsp client attached to this buffer', vim.log.levels.ERROR)
    return false
  end
  local argument = vim.tbl_extend('force', { uri = vim.uri_from_bufnr(bufnr) }, args or {})
  local params = { command = command, arguments = { argument } }
  client_request(client, 'workspace/executeCommand', params, function(err, result)
    if err then
      M.state.last[command] = { error = err.message or tostring(err) }
      notify(command .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    M.state.last[command] = result == nil and vim.NIL or result
    if on_result then
      on_result(result)
    end
  end, bufnr)
  return true
end

function M.publish()
  return M.execute('scriptum.publish', nil, function(result)
    local version = type(result) == 'table' and result.version or result
    notify('published version ' .. tostring(version))
  end)
end

--- `arg`: JSON text, a path to a JSON file, or empty (then the server reads `<stem>.input.json` next to
--- the script, else uses `{}`).
function M.test(arg)
  arg = vim.trim(arg or '')
  local text
  if arg == '' then
    text = nil
  elseif arg:match('^[%[{]') then
    text = arg
  else
    local path = vim.fn.expand(arg)
    if vim.fn.filereadable(path) ~= 1 then
      notify('not JSON and not a readable file: ' .. arg, vim.log.levels.ERROR)
      return false
    end
    text = table.concat(vim.fn.readfile(path), '\n')
  end
  local args = { open = false } -- the result goes to our scratch buffer, not a file window
  if text then
    local input, err = decode_user_json(text)
    if err then
      notify('input is not valid JSON: ' .. err, vim.log.levels.ERROR)
      return false
    end
    args.input = input
  end
  notify('test run started')
  return M.execute('scriptum.test', args, function(result)
    if type(result) == 'table' then
      M.show_thread(result)
      notify(string.format('thread %s %s', tostring(result.threadId), tostring(result.status)))
    end
  end)
end

local function format_time(ms)
  if type(ms) ~= 'number' then
    return ''
  end
  return os.date('!%Y-%m-%d %H:%M', math.floor(ms / 1000))
end

local function format_version(v)
  return string.format(
    'v%s  %-9s %s%s',
    tostring(v.version),
    tostring(v.status or ''),
    format_time(v.publishedAtMs ~= vim.NIL and v.publishedAtMs or v.createdAtMs),
    v.active == true and '  (active)' or ''
  )
end

M.version_actions = {
  { label = 'Open read-only', command = 'scriptum.openVersion' },
  { label = 'Rollback (make active)', command = 'scriptum.rollback' },
  { label = 'Restore into this buffer', command = 'scriptum.restoreVersion' },
}

function M.version_action(action, version, bufnr)
  return M.execute(action.command, { version = version }, function(result)
    if action.command == 'scriptum.rollback' then
      local active = type(result) == 'table' and result.activeVersion or version
      notify('active version is now ' .. tostring(active))
    elseif action.command == 'scriptum.openVersion' and type(result) == 'table' then
      -- the server opens it with window/showDocument when the client supports that (0.8+)
      if result.shown ~= true and type(result.uri) == 'string' and result.uri:match('^file:') then
        vim.cmd('split ' .. vim.fn.fnameescape(vim.uri_to_fname(result.uri)))
      end
    elseif action.command == 'scriptum.restoreVersion' then
      notify('restored version ' .. tostring(version) .. ' into the buffer')
    end
  end, bufnr)
end

--- List the script's versions with vim.ui.select, then pick what to do with the chosen one.
function M.versions()
  local bufnr = vim.api.nvim_get_current_buf()
  return M.execute('scriptum.listVersions', nil, function(result)
    local items = type(result) == 'table' and (result.versions or result) or {}
    if #items == 0 then
      notify('no published versions yet')
      return
    end
    vim.ui.select(items, { prompt = 'Scriptum versions', format_item = format_version }, function(choice)
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
          M.version_action(action, choice.version, bufnr)
        end
      end)
    end)
  end)
end

--- Roll back to version N; without N, to the version before the active one.
function M.rollback(version)
  local n = tonumber(tostring(version or ''):match('^%s*v?(%d*)%s*$') or nil) or 0
  if version ~= nil and vim.trim(tostring(version)) ~= '' and n == 0 then
    notify('usage: :ScriptumRollback [N]', vim.log.levels.ERROR)
    return false
  end
  return M.version_action(M.version_actions[2], n)
end

function M.status()
  return M.execute('scriptum.status', nil, function(result)
    local s = type(result) == 'table' and result or M.state.status or {}
    local parts = {}
    for _, k in ipairs({ 'state', 'endpoint', 'organization', 'tokenSource', 'authenticated', 'error', 'message' }) do
      if s[k] ~= nil and s[k] ~= vim.NIL then
        table.insert(parts, k .. '=' .. tostring(s[k]))
      end
    end
    for _, sc in ipairs(type(s.scripts) == 'table' and s.scripts or {}) do
      table.insert(parts, string.format('[%s active v%s]', tostring(sc.name), tostring(sc.activeVersion)))
    end
    notify(#parts > 0 and table.concat(parts, '  ') or M.pretty_json(result))
  end)
end

function M.compile()
  return M.execute('scriptum.compile', nil, function()
    notify('compiled')
  end)
end

function M.show_thread_command(thread_id)
  if not thread_id or thread_id == '' then
    notify('usage: :ScriptumShowThread THREAD_ID', vim.log.levels.ERROR)
    return false
  end
  return M.execute('scriptum.showThread', { threadId = thread_id }, function(result)
    if type(result) == 'table' then
      M.show_thread(type(result.result) == 'table' and result.result or result)
    end
  end)
end

function M.clear_cache()
  return M.execute('scriptum.clearCache', nil, function()
    notify('caches cleared')
  end)
end

return M
