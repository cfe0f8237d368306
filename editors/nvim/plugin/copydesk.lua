-- The :Copydesk* commands, also for configurations that start the server with
-- vim.lsp.enable('copydesk') (Neovim 0.11+) instead of setup().
if vim.g.loaded_copydesk or vim.fn.has('nvim-0.7') == 0 then
  return
end
vim.g.loaded_copydesk = true
require('copydesk').create_commands()
