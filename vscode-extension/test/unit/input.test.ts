import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseInputJson, previewInput, validateInputJson } from '../../src/logic/input';

describe('validateInputJson', () => {
  it('accepts objects', () => {
    assert.equal(validateInputJson('{"name": "Ada"}'), undefined);
    assert.equal(validateInputJson('  {}  '), undefined);
  });
  for (const [text, pattern] of [
    ['', /Enter a JSON object/],
    ['{name: 1}', /Not valid JSON/],
    ['[1, 2]', /not an array/],
    ['null', /not null/],
    ['"text"', /not string/],
    ['42', /not number/],
  ] as const) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.match(validateInputJson(text) ?? '', pattern));
  }
});

describe('parseInputJson', () => {
  it('parses valid input and throws the validation message otherwise', () => {
    assert.deepEqual(parseInputJson('{"n": [1]}'), { n: [1] });
    assert.throws(() => parseInputJson('[]'), /not an array/);
  });
});

describe('previewInput', () => {
  it('truncates long input', () => {
    const p = previewInput({ text: 'x'.repeat(100) }, 20);
    assert.equal(p.length, 20);
    assert.ok(p.endsWith('…'));
  });
});
