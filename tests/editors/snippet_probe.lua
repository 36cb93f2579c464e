-- Appended after a documented init snippet (docs/editors.md): wait until the server attached to the opened
-- script publishes the typo's diagnostic, ask `scriptum.status`, write what the user would see, quit.
local result_path = os.getenv('SCRIPTUM_E2E_RESULT')
local timeout_ms = tonumber(os.getenv('SCRIPTUM_E2E_TIMEOUT_MS') or '60000')

local function clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.tbl_values(vim.lsp.buf_get_clients(bufnr))
end

local function probe()
  local bufnr = vim.api.nvim_get_current_buf()
  local result = { filetype = vim.bo[bufnr].filetype }
  if not vim.wait(timeout_ms, function() return #clients(bufnr) > 0 end, 20) then
    error('no client attached')
  end
  result.clients = vim.tbl_map(function(c) return c.name end, clients(bufnr))
  if not vim.wait(timeout_ms, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.message:find('nmae', 1, true) then return true end
    end
    return false
  end, 20) then
    error('no diagnostic for the typo')
  end
  result.diagnostics = vim.tbl_map(function(d)
    return { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, message = d.message }
  end, vim.diagnostic.get(bufnr))
  local responses = vim.lsp.buf_request_sync(bufnr, 'workspace/executeCommand',
    { command = 'scriptum.status', arguments = {} }, timeout_ms)
  for _, r in pairs(responses or {}) do
    result.status = r.result
  end
  return result
end

vim.api.nvim_create_autocmd('VimEnter', {
  callback = function()
    local ok, res = xpcall(probe, debug.traceback)
    if not ok then res = { error = tostring(res) } end
    res.ok = ok
    local f = assert(io.open(result_path, 'w'))
    f:write(vim.fn.json_encode(res))
    f:close()
    for _, c in ipairs(clients(0)) do
      if vim.fn.has('nvim-0.11') == 1 then c:stop() else c.stop() end
    end
    vim.wait(5000, function() return #clients(0) == 0 end, 20)
    vim.cmd(ok and 'qall!' or 'cquit! 1')
  end,
})
