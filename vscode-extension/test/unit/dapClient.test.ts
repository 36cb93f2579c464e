// A second, independent DAP client: @vscode/debugadapter-testsupport's DebugClient drives `scriptum-lsp debug
// --port` (the TCP mode nvim-dap and dape can use) through a breakpoint, a step and the run's end.
import { strict as assert } from 'node:assert';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';

const python = process.env.PYTHON || 'python3';
const hasServer = cp.spawnSync(python, ['-c', 'import scriptum_lsp.debug.main'], { stdio: 'ignore' }).status === 0;

const SCRIPT = `script "Orders"

input
  orders : list<integer>

let count_orders = count(orders)
each amount, i in orders
  let doubled = amount * 2
emit "Done"
  orders = count_orders
`;

describe('scriptum-lsp debug with DebugClient', { skip: hasServer ? false : `no ${python} with scriptum_lsp on PATH` }, () => {
  let adapter: cp.ChildProcess;
  let dc: DebugClient;
  let dir: string;
  let script: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptum-dap-'));
    script = path.join(dir, 'orders.scriptum');
    fs.writeFileSync(script, SCRIPT);
    adapter = cp.spawn(python, ['-m', 'scriptum_lsp', 'debug', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      adapter.stderr?.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /listening on [\d.]+:(\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      adapter.on('exit', (code) => reject(new Error(`adapter exited (${code}): ${text}`)));
    });
    dc = new DebugClient('unused', 'unused', 'scriptum');
    await dc.start(port);
  });

  after(async () => {
    await dc.stop().catch(() => undefined);
    adapter.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hits a breakpoint, shows the bindings, steps and runs to the end', async () => {
    await dc.hitBreakpoint({ script, input: { orders: [5, 7] } }, { path: script, line: 8 }, { path: script, line: 8 });
    const stack = await dc.stackTraceRequest({ threadId: 1 });
    assert.deepEqual(stack.body.stackFrames.map((f) => f.name), ['let doubled', 'each[0]', 'main']);
    const scopes = await dc.scopesRequest({ frameId: 1 });
    const bindings = scopes.body.scopes.find((s) => s.name === 'Bindings');
    assert.ok(bindings);
    const vars = await dc.variablesRequest({ variablesReference: bindings.variablesReference });
    assert.deepEqual(Object.fromEntries(vars.body.variables.map((v) => [v.name, v.value])), { amount: '5', i: '0', count_orders: '2' });
    const ev = await dc.evaluateRequest({ expression: 'amount * 10', frameId: 1, context: 'watch' });
    assert.equal(ev.body.result, '50');
    await dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [] });
    // the next step at this level is the same step, in the next iteration
    await Promise.all([dc.nextRequest({ threadId: 1 }), dc.assertStoppedLocation('step', { path: script, line: 8 })]);
    const again = await dc.stackTraceRequest({ threadId: 1 });
    assert.equal(again.body.stackFrames[1].name, 'each[1]');
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  });
});
