import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseVersions, versionItem } from '../../src/logic/versions';

describe('parseVersions', () => {
  it('sorts newest first and skips malformed entries', () => {
    const v = parseVersions([
      { version: 1, status: 'SCRIPT_VERSION_STATUS_PUBLISHED', createdAtMs: 1, active: false },
      { version: 'x' },
      null,
      { version: 3, status: 'SCRIPT_VERSION_STATUS_PUBLISHED', active: true, publishedAtMs: Date.UTC(2026, 0, 2, 3, 4) },
    ]);
    assert.deepEqual(v.map((x) => x.version), [3, 1]);
    assert.equal(v[0].active, true);
  });
  it('accepts {versions: [...]}', () => {
    assert.equal(parseVersions({ versions: [{ version: 2 }] }).length, 1);
    assert.deepEqual(parseVersions('nonsense'), []);
  });
});

describe('versionItem', () => {
  it('labels the active version and the dates', () => {
    const item = versionItem({ version: 3, status: 'SCRIPT_VERSION_STATUS_PUBLISHED', active: true, publishedAtMs: Date.UTC(2026, 0, 2, 3, 4) });
    assert.equal(item.label, 'v3 $(check) active');
    assert.equal(item.description, 'published');
    assert.equal(item.detail, 'published 2026-01-02 03:04 UTC');
  });
});
