import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEBUG_TYPE, inputFileFor, resolveConfiguration } from '../../src/logic/debugConfig';

const ctx = { endpoint: 'https://api.example.test', organization: 'acme', token: 'tok-1' };

describe('debug configurations', () => {
  it('debugs the active script when launch.json has nothing (F5)', () => {
    const { config } = resolveConfiguration({}, { ...ctx, activeScript: '/ws/greeter.scriptum', inputExists: () => true });
    assert.deepEqual(config, {
      type: DEBUG_TYPE,
      request: 'launch',
      name: 'Debug Script',
      script: '/ws/greeter.scriptum',
      input: '/ws/greeter.input.json',
      endpoint: 'local',
    });
  });

  it('says what to do when there is no script', () => {
    const { config, message } = resolveConfiguration({}, ctx);
    assert.equal(config, undefined);
    assert.match(message ?? '', /Open a \.scriptum file/);
  });

  it('keeps an input the user gave and never sends a token to a launch', () => {
    const { config } = resolveConfiguration({ script: '/a.scriptum', input: { x: 1 } }, { ...ctx, inputExists: () => true });
    assert.deepEqual(config?.input, { x: 1 });
    assert.equal(config?.token, undefined);
  });

  it('gives a replay the endpoint, organization and that endpoint token', () => {
    const { config } = resolveConfiguration({ thread: 'thr_1' }, ctx);
    assert.equal(config?.endpoint, ctx.endpoint);
    assert.equal(config?.organization, 'acme');
    assert.equal(config?.token, 'tok-1');
  });

  it('never sends the token to another endpoint named in launch.json', () => {
    const { config } = resolveConfiguration({ thread: 'thr_1', endpoint: 'https://elsewhere.test' }, ctx);
    assert.equal(config?.token, undefined);
  });

  it('reads a thread file without any endpoint', () => {
    const { config } = resolveConfiguration({ threadFile: '/t.json' }, ctx);
    assert.equal(config?.threadFile, '/t.json');
    assert.equal(config?.token, undefined);
  });

  it('names the input file as the server does', () => {
    assert.equal(inputFileFor('/ws/x.scriptum'), '/ws/x.input.json');
  });

  it('contributes the debugger with breakpoints for scriptum files', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
      contributes: { debuggers: { type: string; languages: string[] }[]; breakpoints: { language: string }[] };
    };
    assert.equal(pkg.contributes.debuggers[0].type, DEBUG_TYPE);
    assert.deepEqual(pkg.contributes.breakpoints, [{ language: 'scriptum' }]);
  });
});
