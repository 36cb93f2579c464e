-- User commands of the scriptum-lsp Neovim plugin. The server starts after require('scriptum').setup{}.
if vim.g.loaded_scriptum then
  return
end
vim.g.loaded_scriptum = true

local function cmd(name, fn, opts)
  vim.api.nvim_create_user_command(name, fn, vim.tbl_extend('force', { force = true }, opts or {}))
end

local function scriptum()
  return require('scriptum')
end

cmd('ScriptumPublish', function()
  scriptum().publish()
end, { desc = 'Publish the script draft as a new version' })
cmd('ScriptumTest', function(o)
  scriptum().test(o.args)
end, { nargs = '?', complete = 'file', desc = 'Test-run the draft: :ScriptumTest [json or file]' })
cmd('ScriptumVersions', function()
  scriptum().versions()
end, { desc = 'List versions; open, roll back to or restore one' })
cmd('ScriptumRollback', function(o)
  scriptum().rollback(o.args)
end, { nargs = '?', desc = 'Make version N the active version (default: the previous one)' })
cmd('ScriptumCompile', function()
  scriptum().compile()
end, { desc = 'Compile the draft on the endpoint now' })
cmd('ScriptumStatus', function()
  scriptum().status()
end, { desc = 'Show endpoint, organization, token source and connection state' })
cmd('ScriptumShowThread', function(o)
  scriptum().show_thread_command(o.args)
end, { nargs = 1, desc = 'Show a thread result' })
cmd('ScriptumClearCache', function()
  scriptum().clear_cache()
end, { desc = "Clear the server's caches" })
cmd('ScriptumStart', function()
  scriptum().start(0)
end, { desc = 'Start scriptum-lsp for this buffer' })

-- Ignite app drafts (docs/editors.md); the current buffer is any file of the app's folder.
local function ignite()
  return require('scriptum.ignite')
end
cmd('IgniteSave', function()
  ignite().save()
end, { desc = "Save the app folder as the Ignite app's draft" })
cmd('IgniteCompile', function()
  ignite().compile()
end, { desc = 'Compile the Rust draft (Python drafts need none)' })
cmd('IgniteTest', function(o)
  ignite().test(o.args)
end, { nargs = '?', complete = 'file', desc = 'Test the draft: :IgniteTest [json or file]' })
cmd('IgnitePublish', function()
  ignite().publish()
end, { desc = 'Publish the draft as a new version' })
cmd('IgniteVersions', function()
  ignite().versions()
end, { desc = 'List versions; open, diff or roll back to one' })
cmd('IgniteRollback', function(o)
  ignite().rollback(o.args)
end, { nargs = '?', desc = 'Make version N active (default: the one before the active one)' })
cmd('IgniteStatus', function()
  ignite().status()
end, { desc = "The workspace's Ignite apps and their draft status" })
