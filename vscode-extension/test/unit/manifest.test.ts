// Checks the extension manifest and the declarative files against the code and the security rules.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../../..');
const read = (f: string): string => fs.readFileSync(path.join(root, f), 'utf8');
interface Manifest {
  main: string;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string; when: string }[]>;
    configuration: { properties: Record<string, { default?: unknown; scope?: string }> };
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { scopeName: string; path: string }[];
    snippets: { path: string }[];
  };
}
const pkg = JSON.parse(read('package.json')) as Manifest;
// command handlers live in commands.ts, and the debugger's in debug.ts
const commandsSource = read('src/commands.ts') + read('src/debug.ts') + read('src/ignite.ts');

describe('package.json', () => {
  it('registers a handler for every contributed command, under its own prefix', () => {
    for (const c of pkg.contributes.commands) {
      assert.match(c.command, /^scriptum\.vscode\./, `${c.command} must not clash with the server's scriptum.* commands`);
      assert.ok(commandsSource.includes(`'${c.command}'`), `${c.command} has no handler in src/commands.ts, src/debug.ts or src/ignite.ts`);
      assert.equal(c.category, c.command.startsWith('scriptum.vscode.ignite.') ? 'Ignite' : 'Scriptum');
    }
  });

  it('only puts contributed commands into menus', () => {
    const ids = new Set(pkg.contributes.commands.map((c) => c.command));
    for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
      for (const e of entries) assert.ok(ids.has(e.command), `${menu}: unknown command ${e.command}`);
    }
    for (const id of ['scriptum.vscode.publish', 'scriptum.vscode.test', 'scriptum.vscode.showVersions']) {
      for (const menu of ['commandPalette', 'editor/title', 'editor/context']) {
        assert.ok(pkg.contributes.menus[menu].some((e) => e.command === id), `${id} missing from ${menu}`);
      }
    }
  });

  it('keeps tokens out of settings and restricts redirecting settings in untrusted workspaces', () => {
    const props = Object.keys(pkg.contributes.configuration.properties);
    assert.deepEqual(props.filter((p) => /token|secret|password/i.test(p)), []);
    const restricted = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of ['scriptum.endpoint', 'scriptum.server.pythonPath', 'scriptum.organization']) {
      assert.ok(restricted.includes(key), `${key} must be restricted`);
      assert.ok(props.includes(key), `${key} must be a contributed setting`);
    }
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('maps every server setting', () => {
    for (const key of ['endpoint', 'organization', 'diagnostics.trigger', 'diagnostics.debounceMs', 'requestTimeoutMs', 'localDiagnostics', 'createMissingScripts']) {
      assert.ok(`scriptum.${key}` in pkg.contributes.configuration.properties, `scriptum.${key}`);
    }
    assert.equal(pkg.contributes.configuration.properties['scriptum.endpoint'].default, 'local');
  });

  it('points at files that exist', () => {
    const files = [
      ...pkg.contributes.languages.map((l) => l.configuration),
      ...pkg.contributes.grammars.map((g) => g.path),
      ...pkg.contributes.snippets.map((s) => s.path),
      'media/icon.png',
      'media/screenshot.png',
    ];
    for (const f of files) assert.ok(fs.existsSync(path.join(root, f)), f);
    assert.deepEqual(pkg.contributes.languages[0].extensions, ['.scriptum']);
    assert.ok(pkg.activationEvents.includes('onLanguage:scriptum'));
  });
});

describe('snippets', () => {
  const snippets = JSON.parse(read('snippets/scriptum.json')) as Record<string, { prefix: string | string[]; body: string[] }>;
  it('cover the common shapes', () => {
    const prefixes = Object.values(snippets).flatMap((s) => (Array.isArray(s.prefix) ? s.prefix : [s.prefix]));
    for (const p of ['script', 'do', 'each', 'decide', 'check', 'emit']) assert.ok(prefixes.includes(p), p);
  });
  it('indent with two spaces, never tabs', () => {
    for (const [name, s] of Object.entries(snippets)) {
      for (const line of s.body) assert.ok(!line.includes('\t'), `${name}: tab in ${JSON.stringify(line)}`);
    }
  });
});

describe('language configuration', () => {
  const conf = JSON.parse(read('language-configuration.json')) as {
    comments: { lineComment: string };
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
  };
  const increase = new RegExp(conf.indentationRules.increaseIndentPattern);
  const decrease = new RegExp(conf.indentationRules.decreaseIndentPattern);
  it('uses -- comments', () => assert.equal(conf.comments.lineComment, '--'));
  for (const line of ['input', 'import tools', 'do "Fetch" with http_request', 'each item in items parallel 4', '  "Review":', 'on thread error', 'emit', 'check "Ok" x > 1 -- gate']) {
    it(`indents after ${JSON.stringify(line)}`, () => assert.ok(increase.test(line)));
  }
  for (const line of ['let x = 1', '  prompt = "do this"', '-> result', 'script "X"']) {
    it(`does not indent after ${JSON.stringify(line)}`, () => assert.ok(!increase.test(line)));
  }
  it('dedents the output arrow', () => {
    assert.ok(decrease.test('  -> result'));
    assert.ok(decrease.test('->> pages -- stream'));
    assert.ok(!decrease.test('  when x -> "A"'));
  });
});
