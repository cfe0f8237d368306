// `npm run package`: builds the platform-specific .vsix for this machine,
// offline. Puts the copydesk program in bin/<platform>-<arch>/, the lexicon
// schema in schema/, bundles the extension with esbuild, checks what vsce
// will pack, and packs it.
//
//   npm run package                      cargo build --release, then pack
//   npm run package -- --binary PATH     pack PATH instead of building
//   npm run package -- --target linux-arm64 --binary PATH   another platform
//
// COPYDESK_BINARY works like --binary.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(here, '../..');
const manifest = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));

// vsce's target names, by Node's platform-arch.
const TARGETS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'linux-arm': 'linux-armhf',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return undefined;
  const value = process.argv[i + 1];
  if (!value || value.startsWith('--')) fail(`--${name} needs a value`);
  return value;
}

function run(command, args, cwd) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  execFileSync(command, args, { cwd, stdio: 'inherit' });
}

const platformArch = option('target') ?? `${process.platform}-${process.arch}`;
const target = TARGETS[platformArch];
if (!target) fail(`no .vsix target for ${platformArch}; known: ${Object.keys(TARGETS).join(', ')}`);
const [platform] = platformArch.split('-');
const exe = platform === 'win32' ? 'copydesk.exe' : 'copydesk';

let binary = option('binary') ?? process.env.COPYDESK_BINARY;
if (!binary) {
  if (platformArch !== `${process.platform}-${process.arch}`) {
    fail(`building for ${platformArch} needs --binary: cargo builds for this machine only`);
  }
  run('cargo', ['build', '--release', '--locked', '--bin', 'copydesk'], root);
  binary = join(root, 'target', 'release', exe);
}
binary = resolve(binary);
if (!existsSync(binary)) fail(`no copydesk program at ${binary}`);

const schema = join(root, 'schema', 'lexicon.schema.json');
if (!existsSync(schema)) fail(`no lexicon schema at ${schema}`);

rmSync(join(here, 'bin'), { recursive: true, force: true });
mkdirSync(join(here, 'bin', platformArch), { recursive: true });
copyFileSync(binary, join(here, 'bin', platformArch, exe));
chmodSync(join(here, 'bin', platformArch, exe), 0o755);
// The release profile keeps line tables for backtraces; the shipped program
// does not need them (43 MB against 6 MB). Only the host's strip knows the
// host's format, so other platforms' programs are packed as given.
if (platformArch === `${process.platform}-${process.arch}` && platform !== 'win32') {
  try {
    run('strip', [join(here, 'bin', platformArch, exe)], here);
  } catch (error) {
    console.warn(`package: not stripped (${error.code ?? error.message}); the .vsix will be larger`);
  }
}
mkdirSync(join(here, 'schema'), { recursive: true });
copyFileSync(schema, join(here, 'schema', 'lexicon.schema.json'));

run('npm', ['run', 'build'], here);

const vsce = join(here, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
// No repository or licence file in the extension folder: the extension is
// built from the copydesk repository, which has both.
const packFlags = ['--no-dependencies', '--allow-missing-repository', '--skip-license'];

const listed = execFileSync(vsce, ['ls', '--no-dependencies'], { cwd: here, encoding: 'utf8' })
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.length > 0)
  .sort();
const expected = [
  `bin/${platformArch}/${exe}`,
  'dist/extension.js',
  'package.json',
  'README.md',
  'schema/lexicon.schema.json',
  'schemas/copydesk-toml.schema.json',
].sort();
if (JSON.stringify(listed) !== JSON.stringify(expected)) {
  fail(`vsce would pack\n  ${listed.join('\n  ')}\nbut the .vsix must hold exactly\n  ${expected.join('\n  ')}`);
}

const out = `copydesk-${manifest.version}-${target}.vsix`;
run(vsce, ['package', ...packFlags, '--target', target, '--out', out], here);
console.log(`package: wrote editors/vscode/${out}`);
