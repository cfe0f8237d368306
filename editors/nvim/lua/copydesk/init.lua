-- copydesk for Neovim: starts `copydesk serve` for Markdown and text buffers,
-- one client per project root, and adds :CopydeskBuild, :CopydeskRestart and
-- :CopydeskInfo. Works on Neovim 0.7 (vim.lsp.start_client) and later
-- (vim.lsp.start). See :help copydesk.

local M = {}

local defaults = {
  -- The server command; the first word is looked up on PATH.
  cmd = { 'copydesk', 'serve' },
  filetypes = { 'markdown', 'text' },
  -- Tried in this order, never above the file's repository (its nearest
  -- `.git`): the nearest directory holding the first marker found is the root.
  root_markers = { 'copydesk.toml', '*.lexicon.json', '.git' },
  -- The settings object the server reads, passed as initializationOptions
  -- and as the `copydesk` section of workspace/configuration:
  -- { lexicons = { ... }, rules = { [code] = severity }, diagnostics = { delayMs = N } }
  settings = {},
  -- Start the server for matching buffers without being asked.
  autostart = true,
  -- Called with (client, bufnr) when a buffer attaches, for keymaps.
  on_attach = nil,
}

M.config = vim.deepcopy(defaults)

-- Client ids by root, and the last `copydesk/status` each client sent.
local clients = {}
local statuses = {}
local augroup = nil

-- Neovim 0.11 made client functions methods (client:stop()); before it they
-- were closures, and passing the client would read as the next argument.
local methods = vim.fn.has('nvim-0.11') == 1

local function stop_client(client, force)
  if methods then
    client:stop(force)
  else
    client.stop(force)
  end
end

local function request(client, method, params, handler, bufnr)
  if methods then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients

local function notify(message, level)
  vim.notify('copydesk: ' .. message, level or vim.log.levels.INFO)
end

local function exists(path)
  return vim.loop.fs_stat(path) ~= nil
end

local function parent(dir)
  local up = vim.fn.fnamemodify(dir, ':h')
  if up == dir then
    return nil
  end
  return up
end

local function has_marker(dir, marker)
  if marker:find('[*?%[]') then
    return vim.fn.glob(dir .. '/' .. marker, true, true)[1] ~= nil
  end
  return exists(dir .. '/' .. marker)
end

--- The project root for a file path. The search never leaves the file's
--- repository (the nearest directory above it with a `.git`), so that a
--- lexicon lying in a parent directory or the home directory cannot capture
--- every project below it. Within that, for each marker in turn, the nearest
--- directory holding it wins; without any, the repository, else the file's
--- own directory.
function M.find_root(path, markers)
  markers = markers or M.config.root_markers
  local start = vim.fn.fnamemodify(path, ':p:h')
  local boundary = nil
  local dir = start
  while dir do
    if exists(dir .. '/.git') then
      boundary = dir
      break
    end
    dir = parent(dir)
  end
  for _, marker in ipairs(markers) do
    dir = start
    while dir do
      if has_marker(dir, marker) then
        return dir
      end
      if dir == boundary then
        break
      end
      dir = parent(dir)
    end
  end
  return boundary or start
end

--- The root for a buffer, or nil for buffers that are not files on disk.
function M.root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  return M.find_root(name)
end

-- Lua's empty table would reach the server as a JSON array.
local function object(t)
  if t == nil or next(t) == nil then
    return vim.empty_dict()
  end
  return t
end

--- The settings object for the server: the user's settings, without the
--- empty parts (an empty `lexicons` would mean "load none", and would
--- override copydesk.toml).
function M.server_settings(settings)
  settings = settings or M.config.settings or {}
  local out = {}
  if type(settings.lexicons) == 'table' and #settings.lexicons > 0 then
    out.lexicons = settings.lexicons
  end
  if type(settings.rules) == 'table' and next(settings.rules) ~= nil then
    out.rules = settings.rules
  end
  if type(settings.diagnostics) == 'table' and settings.diagnostics.delayMs ~= nil then
    out.diagnostics = { delayMs = settings.diagnostics.delayMs }
  end
  return object(out)
end

function M.on_status(_, result, ctx)
  if type(result) ~= 'table' then
    return
  end
  local previous = statuses[ctx.client_id]
  statuses[ctx.client_id] = result
  if type(result.error) == 'string' and (not previous or previous.error ~= result.error) then
    notify(result.error, vim.log.levels.WARN)
  end
end

local function client_config(root)
  return {
    name = 'copydesk',
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = {
      { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') },
    },
    init_options = M.server_settings(),
    settings = { copydesk = M.server_settings() },
    handlers = { ['copydesk/status'] = M.on_status },
    on_attach = M.config.on_attach,
    on_exit = function(code, signal, client_id)
      statuses[client_id] = nil
      for r, id in pairs(clients) do
        if id == client_id then
          clients[r] = nil
        end
      end
      if code ~= 0 and signal ~= 15 then
        vim.schedule(function()
          notify(('the server stopped (exit code %d, signal %d); :CopydeskRestart starts it again'):format(code, signal),
            vim.log.levels.WARN)
        end)
      end
    end,
  }
end

local warned_missing = false

--- Starts the server for the buffer's root (or reuses the root's client) and
--- attaches the buffer. Returns the client id, or nil.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local root = M.root_dir(bufnr)
  if not root then
    return nil
  end
  if vim.fn.executable(M.config.cmd[1]) ~= 1 then
    if not warned_missing then
      warned_missing = true
      notify(('cannot start the server: %s is not an executable program (on PATH or as given). '
        .. "Install copydesk, or set cmd in require('copydesk').setup({ cmd = { '/path/to/copydesk', 'serve' } })")
        :format(M.config.cmd[1]), vim.log.levels.ERROR)
    end
    return nil
  end
  local id = clients[root]
  if id and not vim.lsp.get_client_by_id(id) then
    id = nil
  end
  if vim.lsp.start then
    id = vim.lsp.start(client_config(root), { bufnr = bufnr })
  else
    if not id then
      id = vim.lsp.start_client(client_config(root))
    end
    if id then
      vim.lsp.buf_attach_client(bufnr, id)
    end
  end
  clients[root] = id
  return id
end

local function copydesk_clients(bufnr)
  local found = {}
  for _, client in pairs(get_clients()) do
    if client.name == 'copydesk' and (not bufnr or vim.lsp.buf_is_attached(bufnr, client.id)) then
      table.insert(found, client)
    end
  end
  table.sort(found, function(a, b)
    return a.id < b.id
  end)
  return found
end

--- :CopydeskBuild: the server builds a lexicon from the current article.
function M.build(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = copydesk_clients(bufnr)[1]
  if not client then
    notify('no copydesk server for this buffer; it starts for markdown and text files', vim.log.levels.WARN)
    return
  end
  -- The lexicon's offsets and checksum describe the file on disk.
  if vim.api.nvim_buf_get_option(bufnr, 'modified') then
    vim.api.nvim_buf_call(bufnr, function()
      vim.cmd('silent update')
    end)
  end
  local params = { command = 'copydesk.buildLexicon', arguments = { vim.uri_from_bufnr(bufnr) } }
  -- The server announces the result (window/showMessage), and the reason
  -- when it fails with an internal error.
  request(client, 'workspace/executeCommand', params, function(err)
    if err and err.code ~= -32603 then
      notify('building the lexicon failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
  end, bufnr)
end

--- :CopydeskRestart: stops every copydesk client and starts each again with
--- the same configuration, for the buffers it served.
function M.restart()
  local previous = {}
  for _, client in ipairs(copydesk_clients()) do
    table.insert(previous, { config = client.config, buffers = vim.lsp.get_buffers_by_client_id(client.id) })
    stop_client(client)
  end
  clients = {}
  local stopped = vim.wait(5000, function()
    return #copydesk_clients() == 0
  end, 50)
  if not stopped then
    for _, client in ipairs(copydesk_clients()) do
      stop_client(client, true)
    end
  end
  for _, old in ipairs(previous) do
    local id
    for _, b in ipairs(old.buffers) do
      if vim.api.nvim_buf_is_valid(b) then
        if vim.lsp.start then
          id = vim.lsp.start(old.config, { bufnr = b })
        else
          id = id or vim.lsp.start_client(old.config)
          vim.lsp.buf_attach_client(b, id)
        end
      end
    end
    if id and old.config.root_dir then
      clients[old.config.root_dir] = id
    end
  end
end

--- Changes the settings object and sends it to the running servers, which
--- apply it without a restart.
function M.set_settings(settings)
  M.config.settings = settings or {}
  local value = M.server_settings()
  for _, client in ipairs(copydesk_clients()) do
    client.config.settings = { copydesk = value }
    if methods then
      client:notify('workspace/didChangeConfiguration', { settings = { copydesk = value } })
    else
      client.notify('workspace/didChangeConfiguration', { settings = { copydesk = value } })
    end
  end
end

--- The text :CopydeskInfo prints.
function M.info()
  local lines = {
    'copydesk',
    ('  command: %s (%s)'):format(table.concat(M.config.cmd, ' '),
      vim.fn.exepath(M.config.cmd[1]) ~= '' and vim.fn.exepath(M.config.cmd[1]) or 'not found'),
    '  settings: ' .. vim.fn.json_encode(M.server_settings()),
  }
  local active = copydesk_clients()
  if #active == 0 then
    table.insert(lines, '  no server running')
  end
  for _, client in ipairs(active) do
    table.insert(lines, ('  client %d, root %s'):format(client.id, client.config.root_dir or '?'))
    local names = {}
    for _, b in ipairs(vim.lsp.get_buffers_by_client_id(client.id)) do
      table.insert(names, vim.fn.fnamemodify(vim.api.nvim_buf_get_name(b), ':~:.'))
    end
    table.insert(lines, '    buffers: ' .. (#names > 0 and table.concat(names, ', ') or 'none'))
    local status = statuses[client.id]
    if not status then
      table.insert(lines, '    lexicons: not reported yet')
    else
      for _, lexicon in ipairs(status.lexicons or {}) do
        table.insert(lines, ('    lexicon %s: %d entities, %d claims'):format(lexicon.path, lexicon.entities,
          lexicon.claims))
      end
      if #(status.lexicons or {}) == 0 then
        table.insert(lines, '    lexicons: none loaded')
      end
      if type(status.error) == 'string' then
        table.insert(lines, '    error: ' .. status.error)
      end
    end
  end
  return table.concat(lines, '\n')
end

--- The last `copydesk/status` a client reported.
function M.status(client_id)
  return statuses[client_id]
end

function M.create_commands()
  vim.api.nvim_create_user_command('CopydeskBuild', function()
    M.build(0)
  end, { desc = 'copydesk: build a lexicon from this article' })
  vim.api.nvim_create_user_command('CopydeskRestart', function()
    M.restart()
  end, { desc = 'copydesk: restart the language server' })
  vim.api.nvim_create_user_command('CopydeskInfo', function()
    print(M.info())
  end, { desc = 'copydesk: show the servers, their roots and lexicons' })
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  if type(M.config.cmd) == 'string' then
    M.config.cmd = { M.config.cmd, 'serve' }
  end
  if M.config.cmd[1]:sub(1, 1) == '~' then
    M.config.cmd[1] = vim.fn.expand(M.config.cmd[1])
  end

  augroup = vim.api.nvim_create_augroup('copydesk', { clear = true })
  if M.config.autostart then
    vim.api.nvim_create_autocmd('FileType', {
      group = augroup,
      pattern = M.config.filetypes,
      callback = function(args)
        M.attach(args.buf)
      end,
      desc = 'copydesk: start the language server',
    })
  end

  M.create_commands()

  -- Buffers opened before setup() ran.
  if M.config.autostart then
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(M.config.filetypes, vim.bo[b].filetype) then
        M.attach(b)
      end
    end
  end
end

return M
