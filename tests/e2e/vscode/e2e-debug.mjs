// The debugger in a real VS Code (code-server 1.100.3): a breakpoint on a step, the Variables pane, one step
// over, continue, the run to its end. Run by run.sh (SCENARIO=debug); copied next to playwright-core first.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const url = process.env.CS_URL;
const reportFile = process.env.REPORT_FILE;
const art = process.env.ART_DIR;
const FILE = 'orders.scriptum';
const t0 = Date.now();
const log = (...a) => console.log(`[debug-e2e ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const report = () =>
  fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await pred();
    if (r) return r;
    if (Date.now() > end) throw new Error(`timeout (${ms} ms) waiting for ${what}`);
    await sleep(200);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
let shotNo = 40;
async function shot(name) {
  shotNo += 1;
  const file = path.join(art, `${shotNo}-${name}.png`);
  await page.screenshot({ path: file });
  log('screenshot', file);
}
async function palette(title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 15000 });
  await page.keyboard.type(title);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}
// the side bar of Run and Debug: Variables, Watch, Call Stack and Breakpoints panes
const sideText = () => page.locator('.part.sidebar').first().innerText().catch(() => '');
const callStackText = sideText;
const variablesText = sideText;
const row = (text) => page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
const currentLine = () =>
  page.evaluate(() => {
    const el = document.querySelector('.part.editor .monaco-editor .debug-top-stack-frame-line, .part.editor .monaco-editor .codicon-debug-stackframe');
    if (!el) return undefined;
    const top = el.getBoundingClientRect().top;
    const lines = [...document.querySelectorAll('.part.editor .monaco-editor .line-numbers')];
    const hit = lines.find((l) => Math.abs(l.getBoundingClientRect().top - top) < 4);
    return hit ? Number(hit.textContent) : undefined;
  });

let code = 1;
try {
  page.on('pageerror', (e) => log('pageerror:', e.message));
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForTimeout(1000);
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: 15000 });
  await page.keyboard.type(FILE);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: FILE }).first().waitFor({ timeout: 30000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('.part.editor .monaco-editor .view-lines', { timeout: 15000 });
  await waitFor(() => report().find((e) => e.event === 'client-started'), 60000, 'the language client to start');

  // a breakpoint on line 12 (`let doubled = ...`, inside the each)
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type('12');
  await page.keyboard.press('Enter');
  await page.keyboard.press('F9');
  await page.waitForSelector('.part.editor .codicon-debug-breakpoint', { timeout: 10000 });
  // the "Debug" code lens is there too
  await page.locator('.part.editor .codelens-decoration', { hasText: 'Debug' }).first().waitFor({ timeout: 30000 });
  await shot('debug-breakpoint-and-lens');

  await palette('Scriptum: Debug Script');
  await page.waitForSelector('.debug-toolbar', { state: 'visible', timeout: 30000 });
  await waitFor(async () => /paused on breakpoint/i.test(await callStackText()), 30000, 'paused on breakpoint');
  assert((await currentLine()) === 12, `stopped on line 12 (got ${await currentLine()})`);
  const stack = await callStackText();
  assert(/each\[0\]/.test(stack) && /main/.test(stack), `the call stack is the step path (${stack.replace(/\n/g, ' | ')})`);
  // expand Bindings in the Variables pane
  await row('Bindings').click();
  await waitFor(async () => /amount/.test(await variablesText()) && /count_orders/.test(await variablesText()), 15000, 'the bindings');
  const vars = await variablesText();
  assert(/amount\s*=\s*5/.test(vars.replace(/\n/g, ' ')), `amount is 5 (${vars.replace(/\n/g, ' | ')})`);
  await shot('debug-paused-variables');

  // step over: the next step at this level is "Echo order" (line 13)
  await page.keyboard.press('F10');
  await waitFor(async () => (await currentLine()) === 13, 15000, 'the step to line 13');
  await waitFor(async () => /doubled/.test(await variablesText()), 15000, 'doubled in the bindings');
  assert(/doubled\s*=\s*10/.test((await variablesText()).replace(/\n/g, ' ')), 'doubled is 10');
  await shot('debug-after-step');

  // continue: the breakpoint again, in the next iteration
  await page.keyboard.press('F5');
  await waitFor(async () => /each\[1\]/.test(await callStackText()), 15000, 'the second iteration');
  assert((await currentLine()) === 12, 'stopped on line 12 again');
  await shot('debug-second-iteration');

  // remove the breakpoint and run to the end
  await palette('Remove All Breakpoints');
  await page.keyboard.press('F5');
  await page.waitForSelector('.debug-toolbar', { state: 'hidden', timeout: 30000 });
  const consoleText = await page.locator('.repl, [id="workbench.panel.repl.view"]').first().innerText().catch(() => '');
  log('debug console:', consoleText.replace(/\n/g, ' | ').slice(0, 300));
  assert(/thread completed/.test(consoleText), 'the debug console says the thread completed');
  await shot('debug-ended');
  code = 0;
  log('DEBUG E2E PASSED');
} catch (e) {
  console.error('DEBUG E2E FAILED:', e.message);
  await page.screenshot({ path: path.join(art, 'failure-debug.png') }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(code);
