-- Neovim 0.7 (Debian's neovim package) driving the release binary on the
-- reference article with the fixture lexicon, the way a reporter would:
-- hover cards in a floating window, go-to-definition moving the cursor.
--
--   COPYDESK_BIN=target/release/copydesk \
--   nvim --headless -u NONE -c 'luafile tests/e2e/nvim/core_test.lua'
--
-- Exits 0 when every check passes, 1 otherwise (`cquit 1`). Uses only the
-- 0.7 API: vim.lsp.start_client, vim.lsp.buf_attach_client, vim.wait,
-- vim.lsp.buf_request_sync.

local repo = vim.fn.getcwd()
local bin = os.getenv('COPYDESK_BIN') or (repo .. '/target/release/copydesk')
local fixtures = repo .. '/tests/fixtures'
local article_name = 'sochi-putin-erdogan.txt'
local lexicon_name = 'sochi.lexicon.json'
local erdemir_description = 'director of the Turkey Program at the Foundation for Defense of Democracies'

local passed, failed = 0, 0

local function out(msg)
  io.stdout:write(msg .. '\n')
end

local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    out('ok   ' .. name)
  else
    failed = failed + 1
    out('FAIL ' .. name .. (detail and (': ' .. detail) or ''))
  end
end

-- What a reader sees: Markdown escapes gone, whitespace collapsed.
local function plain(lines)
  local text = table.concat(lines, ' ')
  text = text:gsub('\\(%p)', '%1')
  text = text:gsub('%s+', ' ')
  return text
end

local function copy(from, to)
  vim.fn.writefile(vim.fn.readfile(from, 'b'), to, 'b')
end

-- 1-based row and 0-based byte column of `needle` inside the unique line
-- containing `context`.
local function locate(bufnr, context, needle)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local found
  for i, line in ipairs(lines) do
    local at = line:find(context, 1, true)
    if at then
      assert(not found, 'context occurs twice: ' .. context)
      local inner = context:find(needle, 1, true)
      assert(inner, needle .. ' not in ' .. context)
      found = { i, at + inner - 2 }
    end
  end
  assert(found, 'context not found: ' .. context)
  return found
end

local function hover_lines(bufnr, row, col)
  vim.api.nvim_win_set_cursor(0, { row, col })
  local params = vim.lsp.util.make_position_params()
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 2000) or {}
  for _, response in pairs(responses) do
    if response.result and response.result.contents then
      return vim.lsp.util.convert_input_to_markdown_lines(response.result.contents)
    end
  end
  return {}
end

local function floating_windows()
  local wins = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      table.insert(wins, win)
    end
  end
  return wins
end

local function close_floats()
  for _, win in ipairs(floating_windows()) do
    pcall(vim.api.nvim_win_close, win, true)
  end
end

-- The hover card as the user sees it: the float vim.lsp.buf.hover() opens.
local function hover_float(row, col)
  close_floats()
  vim.api.nvim_win_set_cursor(0, { row, col })
  vim.lsp.buf.hover()
  local shown = vim.wait(5000, function()
    return #floating_windows() > 0
  end, 20)
  if not shown then
    return nil
  end
  local win = floating_windows()[1]
  local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
  close_floats()
  return plain(lines)
end

local function run()
  assert(vim.fn.executable(bin) == 1, 'no copydesk binary at ' .. bin .. ' (cargo build --release, or set COPYDESK_BIN)')
  local ws = vim.fn.tempname()
  vim.fn.mkdir(ws, 'p')
  copy(fixtures .. '/' .. article_name, ws .. '/' .. article_name)
  copy(fixtures .. '/' .. lexicon_name, ws .. '/' .. lexicon_name)

  local client_id = vim.lsp.start_client({
    name = 'copydesk',
    cmd = { bin, 'serve' },
    root_dir = ws,
    workspace_folders = { { uri = vim.uri_from_fname(ws), name = 'desk' } },
    init_options = { lexicons = { lexicon_name } },
  })
  assert(client_id, 'vim.lsp.start_client failed')

  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/' .. article_name))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'text'
  assert(vim.lsp.buf_attach_client(bufnr, client_id), 'buf_attach_client failed')
  local client = vim.lsp.get_client_by_id(client_id)
  check('server initializes', vim.wait(10000, function()
    return client.initialized == true
  end, 20))

  for _, method in ipairs({ 'textDocument/hover', 'textDocument/definition' }) do
    check('server offers ' .. method, client.supports_method(method))
  end
  if failed > 0 then
    return
  end

  -- The lexicon loads in the background: wait (15 s at most) for the first
  -- real card.
  local erdemir = locate(bufnr, 'Aykan Erdemir, director', 'Erdemir')
  local card = ''
  local deadline = vim.loop.now() + 15000
  repeat
    card = plain(hover_lines(bufnr, erdemir[1], erdemir[2] + 2))
    if card:find(erdemir_description, 1, true) then
      break
    end
    vim.wait(100)
  until vim.loop.now() > deadline
  check('hover on Erdemir (request) describes him', card:find(erdemir_description, 1, true) ~= nil, card)

  local float = hover_float(erdemir[1], erdemir[2] + 2) or ''
  check('hover card on Erdemir shows in a float', float:find(erdemir_description, 1, true) ~= nil, float)
  check('hover card names Aykan Erdemir', float:find('Aykan Erdemir', 1, true) ~= nil, float)

  local s400 = locate(bufnr, 'Those S-400 missiles', 'S-400')
  float = hover_float(s400[1], s400[2] + 1) or ''
  check('hover on S-400 describes the missile system',
    float:find('sophisticated Russian missile system', 1, true) ~= nil and float:find('S-400', 1, true) ~= nil, float)

  local has = locate(bufnr, 'spiking, Has wrote.', 'Has')
  float = hover_float(has[1], has[2]) or ''
  check('"Has" in "Has wrote" is Kerim Has', float:find('Kerim Has', 1, true) ~= nil
    and float:find('lecturer in Turkish-Russian relations at Moscow University', 1, true) ~= nil, float)

  -- Go to definition from a later Erdogan lands on the first one: line 1,
  -- after an em dash, so a byte/UTF-16 mix-up would land elsewhere.
  local later = locate(bufnr, 'Nevertheless, Erdogan has', 'Erdogan')
  local first = locate(bufnr, 'Putin and Erdogan discussed', 'Erdogan')
  close_floats()
  vim.api.nvim_win_set_cursor(0, { later[1], later[2] + 3 })
  vim.lsp.buf.definition()
  local landed = vim.wait(5000, function()
    local cur = vim.api.nvim_win_get_cursor(0)
    return cur[1] == first[1] and cur[2] == first[2]
  end, 20)
  local cur = vim.api.nvim_win_get_cursor(0)
  check('definition of a later Erdogan jumps to the first mention', landed,
    string.format('cursor at %d:%d, first mention at %d:%d', cur[1], cur[2], first[1], first[2]))
  check('definition stays in the article', vim.api.nvim_get_current_buf() == bufnr)

  vim.lsp.stop_client(client_id)
  vim.wait(3000, function()
    return vim.lsp.get_client_by_id(client_id) == nil
  end, 20)
end

local ok, err = pcall(run)
if not ok then
  failed = failed + 1
  out('FAIL ' .. tostring(err))
end
out(string.format('nvim: %d passed, %d failed', passed, failed))
if failed > 0 then
  vim.cmd('cquit 1')
else
  vim.cmd('qall!')
end
