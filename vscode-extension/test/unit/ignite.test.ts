import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parsePayloadJson } from '../../src/logic/ignite';

describe('parsePayloadJson', () => {
  for (const [text, value] of [['{"name": "Ada"}', { name: 'Ada' }], ['[1]', [1]], ['"text"', 'text'], ['42', 42]] as const) {
    it(`accepts ${text}`, () => assert.deepEqual(parsePayloadJson(text), { value }));
  }
  for (const text of ['{"name": ', "{'a': 1}", 'hello']) {
    it(`rejects ${text}`, () => assert.match(parsePayloadJson(text).problem ?? '', /Not valid JSON/));
  }
});
