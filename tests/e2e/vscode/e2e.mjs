// Drives code-server (VS Code 1.100.3) in headless Chromium through the Scriptum extension's user flows and
// asserts on what the editor shows, on the extension's test-hook report and on the emulator's HTTP API.
// Run by tests/e2e/vscode/run.sh (it sets the environment below); copied next to playwright-core first.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`missing environment variable ${k}`);
  return v;
};
const url = env('CS_URL');
const reportFile = env('REPORT_FILE');
const art = env('ART_DIR');
const emu = env('EMU_URL');
const emuToken = env('EMU_TOKEN');
const emuOrg = env('EMU_ORG');
const SCRIPT = 'greeter';
const FILE = `${SCRIPT}.scriptum`;

const log = (...a) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const t0 = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readReport() {
  if (!fs.existsSync(reportFile)) return [];
  return fs
    .readFileSync(reportFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
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
async function api(pathname) {
  const r = await fetch(emu + pathname, {
    headers: { Authorization: `Bearer ${emuToken}`, 'x-organization-name': emuOrg },
  });
  const body = await r.text();
  if (!r.ok) throw new Error(`GET ${pathname}: HTTP ${r.status} ${body}`);
  return JSON.parse(body);
}
const lastDiagnostics = () => {
  const d = readReport().filter((e) => e.event === 'diagnostics' && e.uri.endsWith(FILE));
  return d.length ? d[d.length - 1].diags : undefined;
};
const commandDone = (id, after = 0) =>
  readReport().find((e) => (e.event === 'command-done' || e.event === 'command-failed') && e.id === id && e.t >= after);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let page;
let shotNo = 0;
async function shot(name) {
  shotNo += 1;
  const file = path.join(art, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  log('screenshot', file);
}
const editorText = () =>
  page.evaluate(() => (document.querySelector('.part.editor .editor-group-container.active .monaco-editor .view-lines')?.innerText || '').replace(/\u00a0/g, ' '));

async function quickInputRow(text, timeout = 15000) {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout });
  return row;
}
/** Runs a command from the palette (F1), waiting for its row before pressing Enter. */
async function palette(title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 15000 });
  await page.keyboard.type(title);
  await quickInputRow(title);
  await page.keyboard.press('Enter');
}
/** Picks a row of an open quick pick by its text. */
async function pick(text) {
  const row = await quickInputRow(text);
  await row.click();
}
async function focusEditor() {
  // workbench.action.focusFirstEditorGroup (clicking the text can hit overlays)
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+1');
}
async function goToLine(lineCol) {
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type(lineCol);
  await page.keyboard.press('Enter');
}
async function dismissNotifications() {
  await page.keyboard.press('Escape');
  const clear = page.locator('.notifications-toasts .codicon-notifications-clear-all, .notification-toast .codicon-close');
  for (const b of await clear.all()) await b.click({ timeout: 1000 }).catch(() => {});
}

/** Restricted Mode: the workspace's endpoint, organization and interpreter settings must be ignored. */
async function untrusted() {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  shotNo = 20;
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: 15000 });
  await page.keyboard.type(FILE);
  await quickInputRow(FILE, 30000);
  await page.keyboard.press('Enter');
  const activated = await waitFor(() => readReport().find((e) => e.event === 'activate'), 60000, 'activation in Restricted Mode');
  assert(activated.trusted === false, 'the workspace is untrusted');
  const started = await waitFor(() => readReport().find((e) => e.event === 'client-started' || e.event === 'server-error'), 60000, 'the server start');
  assert(started.event === 'client-started' && started.python === process.env.PYTHON_PATH, `the user's interpreter runs the server, not the workspace's (${JSON.stringify(started)})`);
  const status = await waitFor(() => readReport().find((e) => e.event === 'status' && e.endpoint), 60000, 'a status from the server');
  assert(status.endpoint === emu && status.organization === emuOrg, `the server uses the user's endpoint and organization (${JSON.stringify(status)})`);
  await page.locator('.statusbar-item', { hasText: `Scriptum: ${new URL(emu).host} · ${emuOrg}` }).first().waitFor({ timeout: 15000 });
  await shot('untrusted-workspace');
  const evil = fs.readFileSync(env('EVIL_LOG'), 'utf8').trim();
  assert(evil === '', `nothing reached the workspace's endpoint (got: ${evil.slice(0, 200)})`);
  log('Restricted Mode: workspace endpoint, organization and interpreter ignored');
}

let code = 1;
if (process.env.SCENARIO === 'untrusted') {
  try {
    await untrusted();
    code = 0;
    log('UNTRUSTED E2E PASSED');
  } catch (e) {
    console.error('UNTRUSTED E2E FAILED:', e.message);
    if (page) await page.screenshot({ path: path.join(art, 'failure-untrusted.png') }).catch(() => {});
  } finally {
    await browser.close();
  }
  process.exit(code);
}
try {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => log('pageerror:', e.message));
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForSelector('.explorer-folders-view, .explorer-viewlet', { timeout: 60000 }).catch(() => {});
  await page.waitForTimeout(1000);

  // 1. open the script: the extension activates and starts the server
  await page.locator('.monaco-workbench').click({ position: { x: 720, y: 450 } }).catch(() => {});
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: 15000 });
  await page.keyboard.type(FILE);
  await quickInputRow(FILE, 30000);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.part.editor .monaco-editor .view-lines', { timeout: 15000 });
  await waitFor(() => readReport().find((e) => e.event === 'client-started'), 60000, 'the language client to start');
  log('language server started');

  // 2. without a token the emulator answers 401: the status bar turns to a warning
  await waitFor(() => readReport().find((e) => e.event === 'statusbar' && e.health === 'warning'), 30000, 'the unauthorized warning in the status bar');
  await page.locator('.statusbar-item.warning-kind, .statusbar-item[style*="background"]', { hasText: 'Scriptum' }).first().waitFor({ timeout: 5000 }).catch(() => {});
  await shot('unauthorized');

  // 3. sign in through the palette: the token goes to SecretStorage and reaches the running server
  await palette('Scriptum: Sign In');
  const tokenBox = page.locator('.quick-input-widget input[type="password"]');
  await tokenBox.waitFor({ timeout: 10000 });
  await page.keyboard.type(emuToken);
  await page.keyboard.press('Enter');
  await waitFor(() => readReport().find((e) => e.event === 'settings-pushed' && e.hasToken), 15000, 'the token pushed to the server');
  const settingsJson = fs.readFileSync(path.join(path.dirname(reportFile), 'data/User/settings.json'), 'utf8');
  assert(!settingsJson.includes(emuToken), 'the token is not written to settings.json');
  log('signed in');

  // 4. the compile error from the emulator's compiler appears as a diagnostic and a squiggle
  const diags = await waitFor(
    () => {
      const d = lastDiagnostics();
      return d && d.find((x) => /mesage/.test(x.message)) ? d : undefined;
    },
    60000,
    "the diagnostic for 'mesage'",
  );
  const target = diags.find((x) => /mesage/.test(x.message));
  log('diagnostic', JSON.stringify(target));
  assert(target.range[0] === 18, `diagnostic on line 19 (got ${target.range[0] + 1})`);
  await page.waitForSelector('.part.editor .monaco-editor .squiggly-error', { timeout: 15000 });
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'mesage' }).first().waitFor({ timeout: 15000 });
  await shot('diagnostic');

  // 5. apply the quick fix from the lightbulb menu (keyboard: clicks are blocked by an overlay in 1.100)
  await focusEditor();
  await goToLine(`${target.range[0] + 1}:${target.range[1] + 2}`);
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget').first();
  await menu.getByText(/message/).first().waitFor({ timeout: 15000 });
  log('quick fix menu', JSON.stringify(await menu.innerText()));
  await shot('quick-fix-menu');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => (document.querySelector('.part.editor .monaco-editor .view-lines')?.innerText || '').replace(/\u00a0/g, ' ').includes('greeted.message'),
    null,
    { timeout: 15000 },
  );
  await waitFor(() => {
    const d = lastDiagnostics();
    return d && !d.some((x) => x.severity === 0) ? true : undefined;
  }, 30000, 'the error to go away after the quick fix');
  log('quick fix applied, no errors left');
  await page.keyboard.press('Control+S');

  // 6. publish from the command palette; the emulator has the new version
  await focusEditor();
  let since = Date.now();
  await palette('Scriptum: Publish');
  const published = await waitFor(() => commandDone('scriptum.vscode.publish', since), 60000, 'publish');
  assert(published.event === 'command-done', `publish succeeded (${published.message ?? ''})`);
  const version = published.result?.version;
  assert(Number.isInteger(version) && version >= 1, `publish returned a version (${JSON.stringify(published.result)})`);
  const versions = await api(`/v1/scriptum/scripts/${SCRIPT}/versions`);
  const listed = JSON.stringify(versions);
  log('emulator versions', listed.slice(0, 300));
  const vlist = versions.versions ?? versions.scriptVersions ?? versions.items ?? [];
  assert(vlist.some((v) => Number(v.version) === version), `emulator lists v${version}`);
  const code1 = await api(`/v1/scriptum/scripts/${SCRIPT}/code/versions/${version}`);
  assert(JSON.stringify(code1).includes('greeted.message'), 'the published code is the fixed buffer');
  await page.locator('.notifications-toasts', { hasText: `Published ${SCRIPT}` }).waitFor({ timeout: 10000 });
  await shot('published');
  await dismissNotifications();

  // 7. test with input JSON: invalid JSON is refused in the input box, a valid object runs; the result opens
  await focusEditor();
  since = Date.now();
  await palette('Scriptum: Test');
  await pick('Enter input JSON');
  const inputBox = page.locator('.quick-input-widget input').first();
  await inputBox.waitFor({ timeout: 10000 });
  await page.keyboard.press('Control+A');
  await page.keyboard.type('[1, 2]');
  await page.locator('.quick-input-widget .quick-input-message', { hasText: 'must be a JSON object' }).waitFor({ timeout: 10000 });
  await shot('test-input-validation');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('{"name": "Ada"}');
  await page.keyboard.press('Enter');
  const tested = await waitFor(() => commandDone('scriptum.vscode.test', since), 90000, 'the test run');
  assert(tested.event === 'command-done', `test succeeded (${tested.message ?? ''})`);
  const run = readReport().find((e) => e.event === 'test-result' && e.t >= since);
  log('test result', JSON.stringify(run));
  assert(/COMPLETED|SUCCEEDED/i.test(run.status ?? ''), `the thread completed (${run.status})`);
  const tab = page.locator('.part.editor .tab', { hasText: `${SCRIPT} · completed` }).first();
  await tab.waitFor({ timeout: 15000 });
  await page.waitForFunction(
    () => [...document.querySelectorAll('.part.editor .monaco-editor .view-lines')].some((e) => e.innerText.replace(/\u00a0/g, ' ').includes('"Hello, Ada!"')),
    null,
    { timeout: 15000 },
  );
  const thread = await api(`/v1/scriptum/threads/${encodeURIComponent(run.threadId)}`);
  log('emulator thread', JSON.stringify(thread).slice(0, 300));
  assert(/COMPLETED|SUCCEEDED/i.test(JSON.stringify(thread)), 'the emulator has the completed thread');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Run again' }).first();
  await toast.waitFor({ timeout: 10000 });
  await shot('test-result');
  // "Run again" from the notification re-runs with the same input, without asking
  since = Date.now();
  await toast.getByRole('button', { name: 'Run again' }).click();
  await waitFor(() => commandDone('scriptum.vscode.test', since), 90000, 'the second test run');
  const rerun = readReport().find((e) => e.event === 'test-result' && e.t >= since);
  assert(rerun && rerun.threadId !== run.threadId && /COMPLETED|SUCCEEDED/i.test(rerun.status ?? ''), `a new completed thread (${JSON.stringify(rerun)})`);
  const rerunResult = await api(`/v1/scriptum/threads/${encodeURIComponent(rerun.threadId)}/result`);
  const rerunOutput = Buffer.from(rerunResult.outputData ?? '', 'base64').toString('utf8');
  assert(rerunOutput.includes('Hello, Ada!'), `the re-run used the same input (output ${rerunOutput})`);
  log('re-ran from the notification:', rerun.threadId);
  await dismissNotifications();

  // 8. versions: change the buffer, open the published version read-only, then diff it with the buffer
  await page.locator('.part.editor .tab', { hasText: FILE }).first().click();
  await focusEditor();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('-- edited after publishing');
  await palette('Scriptum: Show Versions');
  await pick(`v${version}`);
  await pick('Open read-only');
  await page.locator('.part.editor .tab', { hasText: `${SCRIPT}@v${version}.scriptum` }).first().waitFor({ timeout: 15000 });
  await page.waitForFunction(
    () => {
      const ed = document.querySelector('.part.editor .editor-group-container.active .monaco-editor .view-lines');
      const t = (ed?.innerText || '').replace(/\u00a0/g, ' ');
      return t.includes('script "Greeter"') && !t.includes('edited after publishing');
    },
    null,
    { timeout: 15000 },
  );
  const opened = readReport().filter((e) => e.event === 'command-done' && e.id === 'scriptum.vscode.showVersions').pop();
  assert(opened?.result?.uri?.startsWith('scriptum-version:'), `the version opened from scriptum-version: (${JSON.stringify(opened?.result)})`);
  await shot('version-read-only');
  await page.locator('.part.editor .tab', { hasText: FILE }).first().click();
  await focusEditor();
  await palette('Scriptum: Show Versions');
  await pick(`v${version}`);
  await pick('Compare with the buffer');
  await page.waitForSelector('.part.editor .monaco-diff-editor', { timeout: 15000 });
  await page.locator('.part.editor .monaco-diff-editor .line-insert, .part.editor .monaco-diff-editor .char-insert').first().waitFor({ timeout: 15000 });
  const diffText = await page.evaluate(() => document.querySelector('.part.editor .monaco-diff-editor')?.innerText || '');
  assert(diffText.replace(/\u00a0/g, ' ').includes('edited after publishing'), 'the diff shows the buffer change');
  await shot('version-diff');

  // 9. publish the edit as a new version, roll back to the first one (confirmed in a modal dialog), and
  //    restore the first version's text into the buffer
  await page.locator('.part.editor .tab', { hasText: FILE }).first().click();
  await focusEditor();
  since = Date.now();
  await palette('Scriptum: Publish');
  const published2 = await waitFor(() => commandDone('scriptum.vscode.publish', since), 60000, 'second publish');
  const version2 = published2.result?.version;
  assert(published2.event === 'command-done' && version2 > version, `second publish made a newer version (${JSON.stringify(published2)})`);
  await dismissNotifications();
  await focusEditor();
  since = Date.now();
  await palette('Scriptum: Show Versions');
  await pick(`v${version}`);
  await pick('Roll back to this version');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 10000 });
  assert((await dialog.innerText()).includes(`v${version}`), 'the confirmation names the version');
  await shot('rollback-confirm');
  await dialog.getByRole('button', { name: 'Roll Back' }).click();
  const rolled = await waitFor(() => commandDone('scriptum.vscode.showVersions', since), 30000, 'rollback');
  assert(rolled.event === 'command-done' && rolled.result?.activeVersion === version, `rollback result (${JSON.stringify(rolled)})`);
  const after = (await api(`/v1/scriptum/scripts/${SCRIPT}/versions`)).versions ?? [];
  const active = after.filter((v) => /ACTIVE/.test(v.status ?? '') || v.active === true).map((v) => Number(v.version));
  log('emulator versions after rollback', JSON.stringify(after.map((v) => [v.version, v.status])));
  assert(active.length === 1 && active[0] === version, `emulator: v${version} is the active version (${JSON.stringify(active)})`);
  await dismissNotifications();
  await focusEditor();
  since = Date.now();
  await palette('Scriptum: Show Versions');
  await pick(`v${version}`);
  await pick('Restore into the buffer');
  await waitFor(() => commandDone('scriptum.vscode.showVersions', since), 30000, 'restore');
  await page.waitForFunction(
    () => {
      const t = (document.querySelector('.part.editor .editor-group-container.active .monaco-editor .view-lines')?.innerText || '').replace(/\u00a0/g, ' ');
      return t.includes('greeted.message') && !t.includes('edited after publishing');
    },
    null,
    { timeout: 15000 },
  );
  log('rolled back to v' + version + ' and restored it into the buffer');
  await shot('restored');

  // 10. the status bar shows the endpoint and the organization
  const status = await page.locator('.statusbar-item', { hasText: 'Scriptum:' }).first().innerText();
  log('status bar', JSON.stringify(status));
  assert(status.includes(new URL(emu).host) && status.includes(emuOrg), 'status bar shows endpoint host and organization');


  // 11. clicking the status bar item shows scriptum.status
  await page.locator('.statusbar-item', { hasText: 'Scriptum:' }).first().click();
  await quickInputRow('Signed in: yes');
  await quickInputRow(`Script ${SCRIPT}:`);
  await shot('status');
  await page.keyboard.press('Escape');

  // 12. Restart Server: a new server process starts with the stored token and publishes diagnostics again
  const startsBefore = readReport().filter((e) => e.event === 'client-started').length;
  await focusEditor();
  since = Date.now();
  await palette('Scriptum: Restart Server');
  await waitFor(() => readReport().filter((e) => e.event === 'client-started').length > startsBefore, 60000, 'the restarted server');
  await waitFor(() => readReport().find((e) => e.event === 'status' && e.state === 'ok' && e.t >= since), 30000, 'the restarted server to reach the endpoint with the stored token');
  log('server restarted and connected with the stored token');

  // 13. Sign Out: the running server drops the token; the next compile is refused and the status bar warns
  await focusEditor();
  since = Date.now();
  await palette('Scriptum: Sign Out');
  await waitFor(() => readReport().find((e) => e.event === 'settings-pushed' && !e.hasToken && e.t >= since), 15000, 'the sign-out pushed to the server');
  await focusEditor();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('-- after sign-out');
  await waitFor(() => readReport().find((e) => e.event === 'statusbar' && e.health === 'warning' && e.t >= since), 30000, 'the unauthorized warning after sign-out');
  assert(readReport().filter((e) => e.event === 'client-started').length === startsBefore + 1, 'sign-out did not restart the server');
  log('signed out: the server is unauthorized again');
  await shot('signed-out');

  code = 0;
  log('E2E PASSED');
} catch (e) {
  console.error('E2E FAILED:', e.message);
  if (page) await page.screenshot({ path: path.join(art, 'failure.png') }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(code);
