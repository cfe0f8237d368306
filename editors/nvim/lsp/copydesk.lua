-- copydesk for Neovim 0.11+: `vim.lsp.enable('copydesk')` starts the server
-- for Markdown and text buffers with this configuration. Settings go in
-- `vim.lsp.config('copydesk', { settings = { copydesk = { ... } } })`; see
-- :help copydesk-0.11.

local function root_dir(bufnr, on_dir)
  local root = require('copydesk').root_dir(bufnr)
  if root then
    on_dir(root)
  end
end

return {
  cmd = { 'copydesk', 'serve' },
  filetypes = { 'markdown', 'text' },
  root_dir = root_dir,
  settings = { copydesk = vim.empty_dict() },
  before_init = function(params, config)
    -- The server reads the same settings object at startup.
    local settings = config.settings and config.settings.copydesk
    params.initializationOptions = require('copydesk').server_settings(
      type(settings) == 'table' and settings or {})
  end,
  handlers = {
    ['copydesk/status'] = function(err, result, ctx)
      return require('copydesk').on_status(err, result, ctx)
    end,
  },
}
