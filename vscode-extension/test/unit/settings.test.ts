import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildServerSettings, endpointLabel, withToken } from '../../src/logic/settings';

const reader = (values: Record<string, unknown>) => (key: string) => values[key];

describe('buildServerSettings', () => {
  it('fills defaults and the signed-out token when nothing is set', () => {
    assert.deepEqual(buildServerSettings(reader({}), undefined), {
      endpoint: 'local',
      organization: '',
      token: '',
      diagnostics: { trigger: 'onType', debounceMs: 300 },
    });
  });

  it('maps every VS Code setting onto the server settings', () => {
    const s = buildServerSettings(
      reader({
        endpoint: ' https://api.example.test ',
        organization: 'acme',
        'diagnostics.trigger': 'onSave',
        'diagnostics.debounceMs': 750,
        requestTimeoutMs: 2000,
        localDiagnostics: true,
        createMissingScripts: false,
      }),
      'tok-123',
    );
    assert.deepEqual(s, {
      endpoint: 'https://api.example.test',
      organization: 'acme',
      token: 'tok-123',
      diagnostics: { trigger: 'onSave', debounceMs: 750 },
      requestTimeoutMs: 2000,
      localDiagnostics: true,
      createMissingScripts: false,
    });
  });

  it('falls back on invalid values instead of passing them on', () => {
    const s = buildServerSettings(
      reader({ endpoint: '', 'diagnostics.trigger': 'sometimes', 'diagnostics.debounceMs': -5, localDiagnostics: null, requestTimeoutMs: 'x' }),
      undefined,
    );
    assert.equal(s.endpoint, 'local');
    assert.equal(s.diagnostics.trigger, 'onType');
    assert.equal(s.diagnostics.debounceMs, 300);
    assert.equal('localDiagnostics' in s, false);
    assert.equal('requestTimeoutMs' in s, false);
  });
});

describe('withToken', () => {
  it('merges the token into a configuration answer', () => {
    assert.deepEqual(withToken({ endpoint: 'local' }, 'T'), { endpoint: 'local', token: 'T' });
  });
  it('replaces a token that came from anywhere else', () => {
    assert.deepEqual(withToken({ token: 'from-settings-json' }, undefined), { token: '' });
  });
  it('tolerates a null answer', () => {
    assert.deepEqual(withToken(null, 'T'), { token: 'T' });
  });
});

describe('endpointLabel', () => {
  for (const [input, expected] of [
    ['local', 'local'],
    ['', 'local'],
    ['https://scriptum.dodil.io/v1', 'scriptum.dodil.io'],
    ['http://127.0.0.1:8420', '127.0.0.1:8420'],
    ['not a url', 'not a url'],
  ] as const) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => assert.equal(endpointLabel(input), expected));
  }
});
