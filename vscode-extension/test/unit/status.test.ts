import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { classifyState, draftStatusFor, mergeStatus, statusLines, statusView } from '../../src/logic/status';

describe('classifyState', () => {
  for (const [state, health] of [
    ['ok', 'ok'],
    ['ready', 'ok'],
    ['compiling', 'busy'],
    ['testing', 'busy'],
    ['offline', 'warning'],
    ['unauthorized', 'warning'],
    ['unauthenticated', 'warning'],
    ['rate_limited', 'warning'],
    ['error', 'error'],
    ['starting', 'starting'],
    ['stopped', 'stopped'],
    [undefined, 'starting'],
  ] as const) {
    it(`${String(state)} -> ${health}`, () => assert.equal(classifyState(state), health));
  }
});

describe('statusView', () => {
  it('shows endpoint host, organization and draft status', () => {
    const v = statusView({ state: 'ok', endpoint: 'https://api.example.test', organization: 'acme', draftStatus: 'SCRIPT_VERSION_STATUS_COMPILED' });
    assert.equal(v.text, '$(cloud) Scriptum: api.example.test · acme · compiled');
    assert.equal(v.health, 'ok');
  });
  it('spins while busy and warns when offline', () => {
    assert.match(statusView({ state: 'ok', endpoint: 'local', organization: '', busy: 'testing' }).text, /^\$\(sync~spin\) Scriptum: local$/);
    const off = statusView({ state: 'offline', endpoint: 'local', organization: '', message: 'connection refused' });
    assert.equal(off.health, 'warning');
    assert.match(off.text, /^\$\(warning\)/);
    assert.match(off.tooltip, /connection refused/);
  });
});

describe('draftStatusFor', () => {
  it('finds the script by uri or name in a list', () => {
    const status = { scripts: [{ name: 'a', uri: 'file:///a.scriptum', draftStatus: 'X' }, { name: 'b', status: 'Y' }] };
    assert.equal(draftStatusFor(status, 'file:///a.scriptum', 'zzz'), 'X');
    assert.equal(draftStatusFor(status, 'file:///other', 'b'), 'Y');
    assert.equal(draftStatusFor(status, 'file:///other', 'c'), undefined);
  });
  it('accepts a map of scripts', () => {
    assert.equal(draftStatusFor({ scripts: { a: 'COMPILED' } }, '', 'a'), 'COMPILED');
    assert.equal(draftStatusFor(null, '', 'a'), undefined);
  });
});

describe('statusLines', () => {
  it('renders the scriptum.status result', () => {
    const lines = statusLines({ endpoint: 'local', organization: 'acme', authenticated: true, error: null, tokenSource: 'setting', scripts: [{ name: 'a', draftStatus: 'SCRIPT_VERSION_STATUS_COMPILED', activeVersion: 2 }] });
    assert.deepEqual(lines, ['Endpoint: local', 'Organization: acme', 'Signed in: yes', 'tokenSource: setting', 'Script a: compiled (activeVersion=2)']);
  });
  it('shows why it is not signed in', () => {
    assert.deepEqual(statusLines({ endpoint: 'https://x', authenticated: false, error: 'UNAUTHENTICATED' }), [
      'Endpoint: https://x',
      'Organization: (default)',
      'Signed in: no',
      'error: UNAUTHENTICATED',
    ]);
  });
});

describe('mergeStatus', () => {
  it('keeps a problem visible while the server reconnects', () => {
    const bad = { state: 'unauthorized', endpoint: 'e', organization: 'o', message: 'rejected' };
    assert.deepEqual(mergeStatus(bad, { state: 'connecting', endpoint: 'e', organization: 'o', message: 'connecting' }), bad);
  });
  it('clears it when the server is back', () => {
    const bad = { state: 'offline', message: 'down' };
    assert.deepEqual(mergeStatus(bad, { state: 'ok', message: 'connected' }), { state: 'ok', message: 'connected' });
  });
  it('shows connecting as busy otherwise', () => {
    assert.equal(classifyState(mergeStatus({ state: 'ok' }, { state: 'connecting' }).state), 'busy');
  });
});
