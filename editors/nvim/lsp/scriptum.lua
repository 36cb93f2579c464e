-- Neovim 0.11+: `vim.lsp.enable('scriptum')` finds this file on the runtimepath.
-- Settings go in `vim.lsp.config('scriptum', { settings = { scriptum = { ... } } })`.
local ok, scriptum = pcall(require, 'scriptum')
return {
  cmd = { 'scriptum-lsp' },
  filetypes = { 'scriptum' },
  root_markers = { 'scriptum.toml', '.git' },
  settings = { scriptum = {} },
  handlers = ok and scriptum.handlers or nil,
}
