// The palette, editor-title and context-menu commands. Each one calls the server command of the same name
// (the language client already registers the server's own `scriptum.*` ids, hence `scriptum.vscode.*`).
import * as vscode from 'vscode';
import type { TokenStore } from './auth';
import {
  formatDuration,
  isSuccess,
  RUN_SCHEME,
  runPath,
  scriptNameFromPath,
  shortStatus,
  VERSION_SCHEME,
  versionPath,
} from './logic/documents';
import { parseInputJson, previewInput, validateInputJson } from './logic/input';
import { statusLines } from './logic/status';
import { parseVersions, VERSION_ACTIONS, versionItem, type VersionAction } from './logic/versions';
import type { RunContentProvider } from './providers';
import type { ServerManager } from './server';
import type { StatusBar } from './statusBar';
import { report } from './testHook';

interface TestResult {
  threadId: string;
  status?: string;
  output?: unknown;
  error?: unknown;
  durationMs?: number;
}

const LAST_INPUT_KEY = 'scriptum.lastTestInput:';

export class Commands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: ServerManager,
    private readonly tokens: TokenStore,
    private readonly statusBar: StatusBar,
    private readonly runs: RunContentProvider,
  ) {}

  register(): vscode.Disposable[] {
    const cmd = (id: string, fn: (...args: unknown[]) => Promise<unknown>): vscode.Disposable =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        report('command', { id });
        try {
          const result = await fn(...args);
          report('command-done', { id, result: result === undefined ? null : result });
          return result;
        } catch (e) {
          const message = errorMessage(e);
          report('command-failed', { id, message });
          this.server.log.error(`${id}: ${message}`);
          void vscode.window.showErrorMessage(`Scriptum: ${message}`);
          return undefined;
        }
      });
    return [
      cmd('scriptum.vscode.publish', (a) => this.publish(a)),
      cmd('scriptum.vscode.test', (a, input) => this.test(a, isObject(input) ? input : undefined)),
      cmd('scriptum.vscode.showVersions', (a) => this.showVersions(a)),
      cmd('scriptum.vscode.createScript', (a) => this.simple(a, 'scriptum.createScript', 'Creating the script')),
      cmd('scriptum.vscode.overwriteDraft', (a) => this.overwriteDraft(a)),
      cmd('scriptum.vscode.openRemoteDraft', (a) => this.openRemoteDraft(a)),
      cmd('scriptum.vscode.signIn', () => this.signIn()),
      cmd('scriptum.vscode.signOut', () => this.signOut()),
      cmd('scriptum.vscode.restartServer', async () => {
        await this.server.restart();
      }),
      cmd('scriptum.vscode.showLogs', () => {
        this.server.log.show();
        return Promise.resolve();
      }),
      cmd('scriptum.vscode.showStatus', () => this.showStatus()),
    ];
  }

  /** The script a command acts on: the menu's URI argument, else the active editor. */
  private async target(arg: unknown): Promise<vscode.TextDocument> {
    let uri: vscode.Uri | undefined;
    if (arg instanceof vscode.Uri) uri = arg;
    else if (typeof arg === 'string' && arg) uri = vscode.Uri.parse(arg);
    else if (arg && typeof arg === 'object' && typeof (arg as { uri?: unknown }).uri === 'string') {
      uri = vscode.Uri.parse((arg as { uri: string }).uri);
    }
    if (uri) return vscode.workspace.openTextDocument(uri);
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'scriptum') throw new Error('open a .scriptum file first');
    return doc;
  }

  private endpoint(): string {
    return vscode.workspace.getConfiguration('scriptum').get<string>('endpoint') || 'local';
  }

  async publish(arg: unknown): Promise<unknown> {
    const doc = await this.target(arg);
    const name = scriptNameFromPath(doc.uri.fsPath);
    const result = await this.statusBar.busyWhile('publishing', () =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Publishing ${name}…` },
        () => this.server.executeCommand<{ version?: number }>('scriptum.publish', { uri: doc.uri.toString() }),
      ),
    );
    // the server itself tells the user "Published NAME vN"; the status bar picks up the new draft status
    this.server.log.info(`Published ${name} v${result?.version ?? '?'}`);
    return result;
  }

  async test(arg: unknown, rerun?: Record<string, unknown>): Promise<unknown> {
    const doc = await this.target(arg);
    const key = LAST_INPUT_KEY + doc.uri.toString();
    const input = rerun ?? (await this.askInput(doc, this.context.workspaceState.get<Record<string, unknown>>(key)));
    if (!input) return undefined;
    await this.context.workspaceState.update(key, input);
    const name = scriptNameFromPath(doc.uri.fsPath);
    this.server.suppressResultDocuments++;
    let result: TestResult;
    try {
      result = await this.statusBar.busyWhile('testing', () =>
        // open: false -- this command opens the result itself (with status and duration in the title)
        this.server.executeCommand<TestResult>('scriptum.test', { uri: doc.uri.toString(), input, open: false }),
      );
    } finally {
      this.server.suppressResultDocuments--;
    }
    if (!result || typeof result.threadId !== 'string') throw new Error('the server returned no test result');
    this.runs.remember(result.threadId, result.error ? { status: result.status, error: result.error, output: result.output } : result.output);
    const uri = vscode.Uri.from({ scheme: RUN_SCHEME, path: runPath(result.threadId, name, result.status, result.durationMs) });
    const open = async (): Promise<void> => {
      const resultDoc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(resultDoc, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
    };
    await open();
    report('test-result', { uri: uri.toString(), threadId: result.threadId, status: result.status, durationMs: result.durationMs });
    const summary = `Test of ${name} ${shortStatus(result.status)}${result.durationMs !== undefined ? ` in ${formatDuration(result.durationMs)}` : ''}`;
    const show = isSuccess(result.status) ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
    const errorText = result.error ? `: ${typeof result.error === 'string' ? result.error : JSON.stringify(result.error)}` : '.';
    void show(summary + errorText, 'Open result', 'Run again').then((choice) => {
      if (choice === 'Open result') void open();
      if (choice === 'Run again') void vscode.commands.executeCommand('scriptum.vscode.test', doc.uri, input);
    });
    return result;
  }

  /** Input JSON for a test: typed (validated), from a .json file, or the last input again. */
  private async askInput(doc: vscode.TextDocument, last: Record<string, unknown> | undefined): Promise<Record<string, unknown> | undefined> {
    type Pick = vscode.QuickPickItem & { kind2: 'type' | 'file' | 'last' };
    const items: Pick[] = [];
    if (last) items.push({ label: '$(debug-rerun) Run again with the last input', description: previewInput(last), kind2: 'last' });
    items.push({ label: '$(json) Enter input JSON…', kind2: 'type' });
    items.push({ label: '$(file) Pick a .json file…', kind2: 'file' });
    const choice = await vscode.window.showQuickPick(items, { title: `Test ${scriptNameFromPath(doc.uri.fsPath)}`, placeHolder: 'Input for the test run' });
    if (!choice) return undefined;
    if (choice.kind2 === 'last') return last;
    if (choice.kind2 === 'type') {
      const text = await vscode.window.showInputBox({
        title: 'Test input (JSON object)',
        prompt: 'Input JSON for the test run, checked against the script\'s input block by the server',
        value: last ? JSON.stringify(last) : '{}',
        ignoreFocusOut: true,
        validateInput: validateInputJson,
      });
      return text === undefined ? undefined : parseInputJson(text);
    }
    const files = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.Uri.joinPath(doc.uri, '..'),
      filters: { JSON: ['json'] },
      openLabel: 'Use as test input',
    });
    if (!files || !files[0]) return undefined;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(files[0]));
    const problem = validateInputJson(text);
    if (problem) throw new Error(`${files[0].fsPath}: ${problem}`);
    return parseInputJson(text);
  }

  async showVersions(arg: unknown): Promise<unknown> {
    const doc = await this.target(arg);
    const name = scriptNameFromPath(doc.uri.fsPath);
    const versions = parseVersions(await this.server.executeCommand('scriptum.listVersions', { uri: doc.uri.toString() }));
    if (!versions.length) {
      void vscode.window.showInformationMessage(`${name} has no published versions yet. Run "Scriptum: Publish" first.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      versions.map((v) => ({ ...versionItem(v), v })),
      { title: `Versions of ${name}`, placeHolder: 'Pick a version', matchOnDescription: true },
    );
    if (!picked) return undefined;
    const action = await vscode.window.showQuickPick(
      VERSION_ACTIONS.map((a) => ({ label: a.label, description: a.description, action: a.action })),
      { title: `${name} v${picked.v.version}`, placeHolder: 'What to do with this version' },
    );
    if (!action) return undefined;
    return this.versionAction(doc, name, picked.v.version, action.action);
  }

  async versionAction(doc: vscode.TextDocument, name: string, version: number, action: VersionAction): Promise<unknown> {
    const versionUri = vscode.Uri.from({ scheme: VERSION_SCHEME, path: versionPath(name, version) });
    switch (action) {
      case 'open': {
        const vdoc = await vscode.workspace.openTextDocument(versionUri);
        await vscode.window.showTextDocument(vdoc, { preview: true });
        return { uri: versionUri.toString() };
      }
      case 'diff':
        await vscode.commands.executeCommand('vscode.diff', versionUri, doc.uri, `${name} v${version} ↔ ${doc.isDirty ? 'buffer (unsaved)' : 'buffer'}`);
        return { uri: versionUri.toString() };
      case 'restore':
        return this.server.executeCommand('scriptum.restoreVersion', { uri: doc.uri.toString(), version });
      case 'rollback': {
        const ok = await vscode.window.showWarningMessage(
          `Roll back ${name} to v${version}? It becomes the active version that new threads run.`,
          { modal: true },
          'Roll Back',
        );
        if (ok !== 'Roll Back') return undefined;
        const r = await this.server.executeCommand<{ activeVersion?: number }>('scriptum.rollback', { uri: doc.uri.toString(), version });
        void vscode.window.showInformationMessage(`${name}: active version is now v${r?.activeVersion ?? version}.`);
        return r;
      }
    }
  }

  private async simple(arg: unknown, command: string, title: string): Promise<unknown> {
    const doc = await this.target(arg);
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () =>
      this.server.executeCommand(command, { uri: doc.uri.toString() }),
    );
    await this.openReturnedUri(r);
    return r;
  }

  private async overwriteDraft(arg: unknown): Promise<unknown> {
    const doc = await this.target(arg);
    const ok = await vscode.window.showWarningMessage(
      `Overwrite the remote draft of ${scriptNameFromPath(doc.uri.fsPath)} with this buffer? Changes made elsewhere are lost.`,
      { modal: true },
      'Overwrite',
    );
    if (ok !== 'Overwrite') return undefined;
    return this.simple(doc.uri, 'scriptum.overwriteDraft', 'Overwriting the remote draft');
  }

  private async openRemoteDraft(arg: unknown): Promise<unknown> {
    const doc = await this.target(arg);
    const r = await this.server.executeCommand('scriptum.openRemoteDraft', { uri: doc.uri.toString() });
    if (!(await this.openReturnedUri(r))) {
      const text = typeof r === 'string' ? r : r && typeof r === 'object' && typeof (r as { text?: unknown }).text === 'string' ? (r as { text: string }).text : undefined;
      if (text !== undefined) {
        const remote = await vscode.workspace.openTextDocument({ language: 'scriptum', content: text });
        await vscode.commands.executeCommand('vscode.diff', remote.uri, doc.uri, `${scriptNameFromPath(doc.uri.fsPath)}: remote draft ↔ buffer`);
      }
    }
    return r;
  }

  /** Opens `{uri}` from a server result, if any. */
  private async openReturnedUri(r: unknown): Promise<boolean> {
    const uri = r && typeof r === 'object' ? (r as { uri?: unknown }).uri : undefined;
    if (typeof uri !== 'string' || !uri) return false;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    return true;
  }

  private async signIn(): Promise<unknown> {
    const endpoint = this.endpoint();
    const token = await vscode.window.showInputBox({
      title: `Scriptum: Sign In (${endpoint})`,
      prompt: 'API token for this endpoint. It is kept in VS Code\'s secret storage, never in settings.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Enter a token'),
    });
    if (!token) return undefined;
    await this.tokens.set(endpoint, token.trim());
    await this.server.pushSettings();
    void vscode.window.showInformationMessage(`Scriptum: signed in to ${endpoint}.`);
    return { signedIn: true };
  }

  private async signOut(): Promise<unknown> {
    const endpoint = this.endpoint();
    await this.tokens.delete(endpoint);
    await this.server.pushSettings();
    void vscode.window.showInformationMessage(`Scriptum: signed out of ${endpoint}.`);
    return { signedIn: false };
  }

  private async showStatus(): Promise<unknown> {
    const doc = vscode.window.activeTextEditor?.document;
    const args = doc && doc.languageId === 'scriptum' ? { uri: doc.uri.toString() } : {};
    const status = await this.server.executeCommand('scriptum.status', args);
    this.server.log.info(`scriptum.status: ${JSON.stringify(status)}`);
    const items: vscode.QuickPickItem[] = statusLines(status).map((label) => ({ label }));
    items.push(
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(key) Sign In…' },
      { label: '$(sign-out) Sign Out' },
      { label: '$(output) Show Logs' },
      { label: '$(debug-restart) Restart Server' },
    );
    const picked = await vscode.window.showQuickPick(items, { title: 'Scriptum status' });
    const actions: Record<string, string> = {
      '$(key) Sign In…': 'scriptum.vscode.signIn',
      '$(sign-out) Sign Out': 'scriptum.vscode.signOut',
      '$(output) Show Logs': 'scriptum.vscode.showLogs',
      '$(debug-restart) Restart Server': 'scriptum.vscode.restartServer',
    };
    if (picked && actions[picked.label]) await vscode.commands.executeCommand(actions[picked.label]);
    return status;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof vscode.Uri);
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return String(e);
}
