import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  formatDuration,
  isSuccess,
  parseRunPath,
  parseVersionPath,
  renderContent,
  runPath,
  scriptNameFromPath,
  shortStatus,
  versionPath,
} from '../../src/logic/documents';

describe('script names', () => {
  it('is the file stem, like the server', () => {
    assert.equal(scriptNameFromPath('/ws/invoice-parser.scriptum'), 'invoice-parser');
    assert.equal(scriptNameFromPath('C:\\ws\\Hello.SCRIPTUM'), 'Hello');
  });
});

describe('version documents', () => {
  it('round-trips script and version through the path', () => {
    const p = versionPath('invoice parser', 12);
    assert.equal(p, '/invoice parser/v12/invoice parser@v12.scriptum');
    assert.deepEqual(parseVersionPath(p), { script: 'invoice parser', version: 12 });
  });
  it("reads the server's own version paths", () => {
    assert.deepEqual(parseVersionPath('/greeter/v3.scriptum'), { script: 'greeter', version: 3 });
  });
  it('rejects foreign paths', () => {
    assert.equal(parseVersionPath('/x/12/x.scriptum'), undefined);
    assert.equal(parseVersionPath('/etc/passwd'), undefined);
  });
});

describe('run documents', () => {
  it('keys the content by thread id and titles it with status and duration', () => {
    const p = runPath('th_42', 'hello', 'THREAD_STATUS_COMPLETED', 1530);
    assert.equal(p, '/th_42/hello · completed · 1.5 s.json');
    assert.deepEqual(parseRunPath(p), { threadId: 'th_42' });
  });
  it("reads the server's own run paths", () => {
    assert.deepEqual(parseRunPath('/thr_1.json'), { threadId: 'thr_1' });
    assert.equal(parseRunPath('/a/b/c.json'), undefined);
  });
  it('keeps slashes out of the title', () => {
    const p = runPath('t/1', 'a/b', undefined, undefined);
    assert.equal(p.split('/').length, 3);
    assert.deepEqual(parseRunPath(p), { threadId: 't/1' });
    assert.deepEqual(parseVersionPath(versionPath('x/y', 2)), { script: 'x/y', version: 2 });
  });
});

describe('formatting', () => {
  it('formats durations', () => {
    assert.equal(formatDuration(12), '12 ms');
    assert.equal(formatDuration(2500), '2.5 s');
    assert.equal(formatDuration(125000), '2 min 5 s');
    assert.equal(formatDuration(undefined), '');
  });
  it('shortens status enums', () => {
    assert.equal(shortStatus('THREAD_STATUS_FAILED'), 'failed');
    assert.equal(shortStatus('SCRIPT_VERSION_STATUS_PUBLISHED'), 'published');
    assert.equal(shortStatus(undefined), 'unknown');
  });
  it('knows success', () => {
    assert.equal(isSuccess('THREAD_STATUS_COMPLETED'), true);
    assert.equal(isSuccess('THREAD_STATUS_FAILED'), false);
    assert.equal(isSuccess(undefined), false);
  });
  it('renders server content', () => {
    assert.equal(renderContent('script "x"\n'), 'script "x"\n');
    assert.equal(renderContent({ text: 'abc' }), 'abc');
    assert.equal(renderContent({ a: 1 }), '{\n  "a": 1\n}\n');
  });
});
