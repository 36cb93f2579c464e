import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  describeFailures,
  findInterpreter,
  interpreterCandidates,
  isSupported,
  parseVersion,
  probeInterpreter,
  serverPythonPath,
} from '../../src/logic/python';

function fakePython(version: string, exitCode = 0): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptum-py-'));
  const file = path.join(dir, 'python');
  fs.writeFileSync(file, `#!/bin/sh\necho "${version}"\nexit ${exitCode}\n`, { mode: 0o755 });
  return file;
}

describe('interpreterCandidates', () => {
  it('uses only the setting when it is set', () => {
    assert.deepEqual(interpreterCandidates(' /opt/py/bin/python ', '/ext/python'), [
      { command: '/opt/py/bin/python', source: 'setting scriptum.server.pythonPath' },
    ]);
  });
  it('tries the Python extension, then python3', () => {
    assert.deepEqual(
      interpreterCandidates('', '/ext/python').map((c) => c.command),
      ['/ext/python', 'python3'],
    );
  });
  it('falls back to python3 alone', () => {
    assert.deepEqual(
      interpreterCandidates(undefined, undefined).map((c) => c.command),
      ['python3'],
    );
  });
});

describe('versions', () => {
  it('parses the probe output', () => {
    assert.deepEqual(parseVersion('3 12 1\n'), [3, 12, 1]);
    assert.equal(parseVersion('Python 3.12'), undefined);
  });
  it('requires 3.11 or newer', () => {
    assert.equal(isSupported([3, 11, 0]), true);
    assert.equal(isSupported([3, 13, 2]), true);
    assert.equal(isSupported([4, 0, 0]), true);
    assert.equal(isSupported([3, 10, 14]), false);
    assert.equal(isSupported([2, 7, 18]), false);
  });
});

describe('probeInterpreter (real processes)', () => {
  it('accepts a new enough interpreter', async () => {
    const r = await probeInterpreter({ command: fakePython('3 12 4'), source: 'test' });
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.version, '3.12.4');
  });
  it('rejects an old interpreter with the reason', async () => {
    const r = await probeInterpreter({ command: fakePython('3 9 2'), source: 'test' });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /Python 3\.9\.2.*3\.11 or newer/);
  });
  it('reports a missing interpreter as not found', async () => {
    const r = await probeInterpreter({ command: '/nonexistent/python3', source: 'test' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'not found');
  });
  it('reports a crashing interpreter with its exit code', async () => {
    const r = await probeInterpreter({ command: fakePython('boom', 3), source: 'test' });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /exited with code 3/);
  });
  it('finds the first usable candidate and explains the others', async () => {
    const old = fakePython('3 8 0');
    const good = fakePython('3 11 9');
    const { found, failures } = await findInterpreter([
      { command: '/nonexistent/python', source: 'setting' },
      { command: old, source: 'Python extension' },
      { command: good, source: 'PATH' },
    ]);
    assert.equal(found?.candidate.command, good);
    assert.equal(failures.length, 2);
    const message = describeFailures(failures);
    assert.match(message, /\/nonexistent\/python \(setting\): not found/);
    assert.match(message, /Python 3\.8\.0/);
    assert.match(message, /scriptum\.server\.pythonPath/);
  });
});

describe('serverPythonPath', () => {
  it('puts the bundled libraries first', () => {
    assert.equal(serverPythonPath('/ext/bundled/libs', '/a:/b', ':'), '/ext/bundled/libs:/a:/b');
    assert.equal(serverPythonPath(undefined, '/a', ':'), '/a');
    assert.equal(serverPythonPath(undefined, '', ':'), undefined);
  });
});
