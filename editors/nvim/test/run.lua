-- Headless end-to-end test of the Neovim plugin against the real server,
-- through the plugin's own setup(), as a reporter's config would call it:
--
--   nvim --headless -u NONE -i NONE -c "luafile editors/nvim/test/run.lua"
--
-- COPYDESK_BIN names the copydesk program; by default the newest of the
-- repository's target/release/copydesk and target/debug/copydesk. Prints one
-- line per test and "N passed, N failed"; exits 1 when a test fails.

local this = debug.getinfo(1, 'S').source:sub(2)
local ROOT = vim.fn.fnamemodify(this, ':p:h:h:h:h')
local FIXTURES = ROOT .. '/tests/fixtures'
local ARTICLE = FIXTURES .. '/sochi-putin-erdogan.txt'
local LEXICON = FIXTURES .. '/sochi.lexicon.json'

vim.opt.rtp:prepend(ROOT .. '/editors/nvim')
vim.cmd('filetype on')
-- No prompts: a headless run has nobody to answer them.
vim.opt.shortmess:append('F')

local function newest_binary()
  local env = os.getenv('COPYDESK_BIN')
  if env and env ~= '' then
    return env
  end
  local best, best_time
  for _, profile in ipairs({ 'release', 'debug' }) do
    local path = ROOT .. '/target/' .. profile .. '/copydesk'
    local stat = vim.loop.fs_stat(path)
    if stat and (not best_time or stat.mtime.sec > best_time) then
      best, best_time = path, stat.mtime.sec
    end
  end
  return best
end

local BIN = newest_binary()

local results = { passed = 0, failed = 0 }

-- print() in a headless Neovim goes to stderr without line ends.
local function say(line)
  io.stdout:write(line, '\n')
  io.stdout:flush()
end

local function test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    results.passed = results.passed + 1
    say('ok - ' .. name)
  else
    results.failed = results.failed + 1
    say(('not ok - %s\n  %s'):format(name, tostring(err):gsub('\n', '\n  ')))
  end
end

local function check(cond, message)
  if not cond then
    error(message, 2)
  end
end

local function eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(('%s: expected %s, got %s'):format(what or 'value', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

local function wait_for(what, cond, ms)
  if not vim.wait(ms or 15000, cond, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

local function write(path, lines)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  vim.fn.writefile(lines, path)
end

--- Puts the cursor on the first occurrence of `needle` in the buffer (the
--- `offset`th byte of it, 0-based).
local function cursor_on(needle, offset)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  for i, line in ipairs(lines) do
    local col = line:find(needle, 1, true)
    if col then
      vim.api.nvim_win_set_cursor(0, { i, col - 1 + (offset or 0) })
      return
    end
  end
  error('not in the buffer: ' .. needle, 2)
end

local function client_of(bufnr)
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'copydesk' then
      return client
    end
  end
end

local function floating_text()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      local buf = vim.api.nvim_win_get_buf(win)
      return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'), win
    end
  end
end

local copydesk = require('copydesk')
local tmp = vim.fn.tempname()

if not BIN then
  say('not ok - no copydesk binary: run `cargo build` or set COPYDESK_BIN')
  say('0 passed, 1 failed')
  vim.cmd('cquit 1')
end

copydesk.setup({
  cmd = { BIN, 'serve' },
  settings = { lexicons = { LEXICON }, diagnostics = { delayMs = 0 } },
})

local article_buf

test('setup() starts the server for a text buffer, rooted at the lexicon\'s folder', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(ARTICLE))
  article_buf = vim.api.nvim_get_current_buf()
  eq(vim.bo.filetype, 'text', 'filetype')
  wait_for('the copydesk client', function()
    local client = client_of(article_buf)
    return client ~= nil and client.initialized
  end)
  eq(client_of(article_buf).config.root_dir, FIXTURES, 'root')
end)

test('the lexicon the server loaded shows in :CopydeskInfo', function()
  local client = client_of(article_buf)
  wait_for('copydesk/status', function()
    return copydesk.status(client.id) ~= nil
  end)
  local info = vim.api.nvim_exec('CopydeskInfo', true)
  check(info:find('lexicon ' .. LEXICON .. ': 35 entities, 34 claims', 1, true), info)
  check(info:find('root ' .. FIXTURES, 1, true), info)
  check(info:find('buffers: tests/fixtures/sochi%-putin%-erdogan%.txt') or info:find('sochi-putin-erdogan.txt', 1, true),
    info)
end)

test('hover on a name shows its card', function()
  cursor_on('Erdemir, director', 2)
  vim.lsp.buf.hover()
  local text
  wait_for('the hover window', function()
    text = floating_text()
    return text ~= nil
  end)
  check(text:find('Aykan Erdemir', 1, true), text)
  check(text:find('director of the Turkey Program at the Foundation for Defense of Democracies', 1, true), text)
  local _, win = floating_text()
  vim.api.nvim_win_close(win, true)
end)

test('hover on S-400 describes the missile system', function()
  cursor_on('S-400 missiles, arms experts', 1)
  vim.lsp.buf.hover()
  local text
  wait_for('the hover window', function()
    text = floating_text()
    return text ~= nil
  end)
  check(text:find('Russian surface-to-air missile system', 1, true), text)
  local _, win = floating_text()
  vim.api.nvim_win_close(win, true)
end)

test('buffers under one root share a client; another root gets its own', function()
  local desk = tmp .. '/desk'
  write(desk .. '/copydesk.toml', { 'lexicons = ["sochi.lexicon.json"]' })
  vim.fn.writefile(vim.fn.readfile(LEXICON, 'b'), desk .. '/sochi.lexicon.json', 'b')
  vim.fn.mkdir(desk .. '/.git', 'p')
  write(desk .. '/drafts/monday.md', { '# Monday', '', 'Putin met Erdogan in Sochi.' })
  write(desk .. '/drafts/tuesday.txt', { 'Erdogan flew home.' })
  -- A lexicon built next to a draft does not split the desk: copydesk.toml wins.
  vim.fn.writefile(vim.fn.readfile(LEXICON, 'b'), desk .. '/drafts/monday.lexicon.json', 'b')
  -- A lexicon above a repository does not capture it.
  vim.fn.writefile(vim.fn.readfile(LEXICON, 'b'), tmp .. '/stray.lexicon.json', 'b')
  vim.fn.mkdir(tmp .. '/elsewhere/.git', 'p')
  write(tmp .. '/elsewhere/notes.md', { 'Notes.' })

  vim.cmd('edit ' .. vim.fn.fnameescape(desk .. '/drafts/monday.md'))
  local monday = vim.api.nvim_get_current_buf()
  vim.cmd('edit ' .. vim.fn.fnameescape(desk .. '/drafts/tuesday.txt'))
  local tuesday = vim.api.nvim_get_current_buf()
  vim.cmd('edit ' .. vim.fn.fnameescape(tmp .. '/elsewhere/notes.md'))
  local notes = vim.api.nvim_get_current_buf()
  wait_for('clients for the three buffers', function()
    return client_of(monday) and client_of(tuesday) and client_of(notes)
  end)
  eq(client_of(monday).id, client_of(tuesday).id, 'one client for the desk')
  eq(client_of(monday).config.root_dir, desk, 'the desk root (copydesk.toml)')
  check(client_of(notes).id ~= client_of(monday).id, 'another root, another client')
  eq(client_of(notes).config.root_dir, tmp .. '/elsewhere', 'the repository, not the stray lexicon above it')
  check(client_of(article_buf).id ~= client_of(monday).id, 'the fixtures root has its own client')
end)

test(':CopydeskRestart starts the servers again for the same buffers', function()
  vim.cmd('buffer ' .. article_buf)
  local before = client_of(article_buf).id
  vim.cmd('CopydeskRestart')
  wait_for('a new client', function()
    local client = client_of(article_buf)
    return client ~= nil and client.id ~= before and client.initialized
  end)
  eq(client_of(article_buf).config.root_dir, FIXTURES, 'root after restart')
end)

test('set_settings() reaches the running server without a restart', function()
  local client = client_of(article_buf)
  local notes = {}
  local original_notify = vim.notify
  vim.notify = function(message, level)
    table.insert(notes, { message = message, level = level })
  end
  local missing = tmp .. '/gone.lexicon.json'
  copydesk.set_settings({ lexicons = { missing }, diagnostics = { delayMs = 0 } })
  local ok = vim.wait(10000, function()
    local status = copydesk.status(client.id)
    return status ~= nil and type(status.error) == 'string' and status.error:find('gone.lexicon.json', 1, true) ~= nil
  end, 20)
  vim.notify = original_notify
  check(ok, 'status after a bad lexicon: ' .. vim.inspect(copydesk.status(client.id)))
  eq(client_of(article_buf).id, client.id, 'same server')
  local warned = false
  for _, note in ipairs(notes) do
    warned = warned or (note.message:find('gone.lexicon.json', 1, true) ~= nil and note.level == vim.log.levels.WARN)
  end
  check(warned, 'a warning names the file: ' .. vim.inspect(notes))

  copydesk.set_settings({ lexicons = { LEXICON }, diagnostics = { delayMs = 0 } })
  wait_for('the good lexicon again', function()
    local status = copydesk.status(client.id)
    return status ~= nil and type(status.error) ~= 'string' and #status.lexicons == 1
  end, 10000)
  local status = copydesk.status(client.id)
  eq({ status.lexicons[1].entities, status.lexicons[1].claims }, { 35, 34 }, 'counts')
end)

test(':help copydesk opens the plugin\'s help', function()
  local doc = tmp .. '/doc'
  vim.fn.mkdir(doc, 'p')
  vim.fn.writefile(vim.fn.readfile(ROOT .. '/editors/nvim/doc/copydesk.txt', 'b'), doc .. '/copydesk.txt', 'b')
  vim.cmd('helptags ' .. vim.fn.fnameescape(doc))
  vim.opt.rtp:append(tmp)
  for _, tag in ipairs({ 'copydesk', 'copydesk.setup()', ':CopydeskBuild', ':CopydeskRestart', ':CopydeskInfo',
    'copydesk-settings', 'copydesk-0.11' }) do
    vim.cmd('help ' .. tag)
    eq(vim.fn.expand('%:t'), 'copydesk.txt', 'help for ' .. tag)
    vim.cmd('helpclose')
  end
end)

test('lsp/copydesk.lua configures vim.lsp.enable() with the same roots and settings', function()
  local config = dofile(ROOT .. '/editors/nvim/lsp/copydesk.lua')
  eq(config.cmd, { 'copydesk', 'serve' }, 'cmd')
  eq(config.filetypes, { 'markdown', 'text' }, 'filetypes')
  local root
  config.root_dir(article_buf, function(dir)
    root = dir
  end)
  eq(root, FIXTURES, 'root_dir')
  local params = {}
  config.before_init(params, { settings = { copydesk = { rules = { ['name-variant'] = 'off' }, lexicons = {} } } })
  eq(params.initializationOptions, { rules = { ['name-variant'] = 'off' } }, 'initializationOptions')
  eq(vim.fn.json_encode(config.settings.copydesk), '{}', 'empty settings are a JSON object')
end)

-- The example draft a reporter might write from the reference article, with
-- its copydesk.toml: the server finds the desk's lexicon through it.
local EXAMPLE = ROOT .. '/examples/draft.md'
local draft_buf

local function found(bufnr)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(list, ('%d %s'):format(d.lnum + 1, d.code))
  end
  table.sort(list)
  return list
end

test('diagnostics appear on the example draft', function()
  -- No editor settings: the desk's copydesk.toml decides, as for a reporter.
  copydesk.set_settings({})
  vim.cmd('edit ' .. vim.fn.fnameescape(EXAMPLE))
  draft_buf = vim.api.nvim_get_current_buf()
  wait_for('the example draft\'s client', function()
    return client_of(draft_buf) ~= nil
  end)
  eq(client_of(draft_buf).config.root_dir, ROOT .. '/examples', 'root (copydesk.toml)')
  local expected = {
    '10 unattributed-claim', '16 misattributed-quote', '20 altered-quote', '24 vague-attribution',
    '26 first-reference', '30 name-variant', '30 name-variant', '34 quote-without-speaker',
  }
  table.sort(expected)
  local ok = vim.wait(15000, function()
    return vim.deep_equal(found(draft_buf), expected)
  end, 50)
  check(ok, 'line and code of each diagnostic: ' .. vim.inspect(found(draft_buf)))
  local variant
  for _, d in ipairs(vim.diagnostic.get(draft_buf)) do
    if d.code == 'name-variant' and vim.api.nvim_buf_get_lines(draft_buf, d.lnum, d.lnum + 1, false)[1]
        :sub(d.col + 1, d.end_col) == 'Erdoğan' then
      variant = d
    end
  end
  check(variant, 'a name-variant diagnostic on exactly "Erdoğan"')
  eq(variant.severity, vim.diagnostic.severity.WARN, 'severity')
  eq(variant.source, 'copydesk', 'source')
  -- The disable comment silences the figure below it.
  for _, d in ipairs(vim.diagnostic.get(draft_buf)) do
    check(d.code ~= 'unsourced-figure', 'unsourced-figure on line ' .. (d.lnum + 1))
  end
end)

test('a quick fix chosen through vim.lsp.buf.code_action changes the buffer', function()
  check(draft_buf, 'the example draft is open')
  vim.cmd('buffer ' .. draft_buf)
  cursor_on('Erdoğan was travelling', 1)
  local before = vim.api.nvim_buf_get_lines(draft_buf, 0, -1, false)
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local offered
  local original_select = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(function(item)
      return opts.format_item(item)
    end, items)
    -- The fix for the name-variant diagnostic (first-reference may offer
    -- another on the same word).
    for _, item in ipairs(items) do
      for _, d in ipairs(item[2].diagnostics or {}) do
        if d.code == 'name-variant' then
          return on_choice(item)
        end
      end
    end
    on_choice(nil)
  end
  vim.lsp.buf.code_action({ only = { 'quickfix' } })
  local want = before[row]:gsub('Erdoğan was travelling', 'Erdogan was travelling')
  local ok = vim.wait(5000, function()
    return vim.api.nvim_buf_get_lines(draft_buf, row - 1, row, false)[1] == want
  end, 20)
  vim.ui.select = original_select
  check(ok, 'line ' .. row .. ' reads ' .. vim.inspect(vim.api.nvim_buf_get_lines(draft_buf, row - 1, row, false)[1])
    .. '; actions offered: ' .. vim.inspect(offered))
  local after = vim.api.nvim_buf_get_lines(draft_buf, 0, -1, false)
  after[row] = before[row]
  eq(after, before, 'only that line changed')
  -- Leave the example as it is on disk.
  vim.cmd('edit!')
end)

test(':CopydeskBuild builds a lexicon from the article, and the server loads it', function()
  local desk = tmp .. '/build'
  vim.fn.mkdir(desk .. '/.git', 'p')
  local article = desk .. '/sochi-putin-erdogan.txt'
  vim.fn.writefile(vim.fn.readfile(ARTICLE, 'b'), article, 'b')
  vim.cmd('edit ' .. vim.fn.fnameescape(article))
  local buf = vim.api.nvim_get_current_buf()
  wait_for('the client', function()
    local client = client_of(buf)
    return client ~= nil and client.initialized and copydesk.status(client.id) ~= nil
  end)
  local client = client_of(buf)
  eq(client.config.root_dir, desk, 'root')
  vim.cmd('CopydeskBuild')
  local written
  wait_for('the lexicon', function()
    written = vim.fn.glob(desk .. '/*.lexicon.json', true, true)[1]
    local status = copydesk.status(client.id)
    if not (written and status) then
      return false
    end
    for _, lexicon in ipairs(status.lexicons) do
      if lexicon.path == written then
        return lexicon.entities > 0
      end
    end
    return false
  end, 30000)
  local lexicon = vim.fn.json_decode(table.concat(vim.fn.readfile(written), '\n'))
  local names = vim.tbl_map(function(e)
    return e.name
  end, lexicon.entities)
  check(vim.tbl_contains(names, 'Aykan Erdemir'), 'Aykan Erdemir in ' .. vim.inspect(names))
end)

test('a missing program is reported once, and starts nothing', function()
  local notes = {}
  local original_notify = vim.notify
  vim.notify = function(message, level)
    table.insert(notes, { message = message, level = level })
  end
  copydesk.setup({ cmd = { tmp .. '/no-such-copydesk', 'serve' } })
  write(tmp .. '/late/one.md', { 'One.' })
  write(tmp .. '/late/two.md', { 'Two.' })
  vim.cmd('edit ' .. vim.fn.fnameescape(tmp .. '/late/one.md'))
  vim.cmd('edit ' .. vim.fn.fnameescape(tmp .. '/late/two.md'))
  vim.notify = original_notify
  eq(client_of(vim.api.nvim_get_current_buf()), nil, 'no client')
  eq(#notes, 1, 'one notification')
  eq(notes[1].level, vim.log.levels.ERROR, 'level')
  check(notes[1].message:find('no-such-copydesk is not an executable program', 1, true), notes[1].message)
end)

vim.fn.delete(tmp, 'rf')
say(('%d passed, %d failed'):format(results.passed, results.failed))
for _, client in pairs(vim.lsp.get_active_clients()) do
  client.stop(true)
end
if results.failed > 0 then
  vim.cmd('cquit 1')
else
  vim.cmd('qall!')
end
