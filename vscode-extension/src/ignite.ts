// Ignite app drafts: palette / explorer / editor commands and the lenses on a handler. Every action is the
// server's `ignite.*` command (docs/commands.md); this file only picks the target, asks for a payload or a
// version, saves dirty app files first (the server reads app files from disk: VS Code does not send it Python
// or Rust documents, so the user's own Python and Rust servers keep them) and shows the result.
import * as vscode from 'vscode';
import { parsePayloadJson } from './logic/ignite';
import type { ServerManager } from './server';
import { report } from './testHook';

interface LensJson {
  range: { start: { line: number; character: number } };
  command?: { title: string; command: string; arguments?: unknown[] };
}
interface Version { version: number; status: string; codeHash: string; active: boolean }

const LAST_PAYLOAD_KEY = 'scriptum.ignite.lastPayload:';
const SELECTOR: vscode.DocumentSelector = [
  { language: 'python', pattern: '**/handler.py' },
  { language: 'rust', pattern: '**/src/{lib,main}.rs' },
];

export class IgniteCommands implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly server: ServerManager) {}

  register(): vscode.Disposable[] {
    const cmd = (id: string, fn: (arg: unknown) => Promise<unknown>): vscode.Disposable =>
      vscode.commands.registerCommand(id, async (arg: unknown) => {
        report('command', { id });
        try {
          const result = await fn(arg);
          report('command-done', { id, result: result === undefined ? null : result });
          this.changed.fire();
          return result;
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          report('command-failed', { id, message });
          void vscode.window.showErrorMessage(`Ignite: ${message}`);
          return undefined;
        }
      });
    return [
      vscode.languages.registerCodeLensProvider(SELECTOR, this),
      this.changed,
      cmd('scriptum.vscode.ignite.save', (a) => this.simple(a, 'ignite.saveDraft')),
      cmd('scriptum.vscode.ignite.compile', (a) => this.compile(a)),
      cmd('scriptum.vscode.ignite.test', (a) => this.test(a)),
      cmd('scriptum.vscode.ignite.publish', (a) => this.simple(a, 'ignite.publishDraft')),
      cmd('scriptum.vscode.ignite.versions', (a) => this.versions(a)),
      cmd('scriptum.vscode.ignite.rollback', (a) => this.rollback(a)),
      cmd('scriptum.vscode.ignite.status', (a) => this.status(a)),
      cmd('scriptum.vscode.ignite.lens', (a) => this.lens(a)),
    ];
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    let lenses: LensJson[] = [];
    try {
      lenses = await this.server.request<LensJson[]>('scriptum/igniteLenses', { uri: doc.uri.toString() }, token);
    } catch {
      return [];
    }
    return (lenses || []).filter((l) => l.command).map((l) => {
      const at = new vscode.Position(l.range.start.line, l.range.start.character);
      const c = l.command!;
      return new vscode.CodeLens(new vscode.Range(at, at), {
        title: c.title,
        command: 'scriptum.vscode.ignite.lens',
        arguments: [{ command: c.command, uri: doc.uri.toString() }],
      });
    });
  }

  /** The app file or folder a command acts on: the explorer's URI, a `{uri}` argument, else the active editor. */
  private target(arg: unknown): vscode.Uri {
    if (arg instanceof vscode.Uri) return arg;
    if (typeof arg === 'string' && arg) return vscode.Uri.parse(arg);
    if (arg && typeof arg === 'object' && typeof (arg as { uri?: unknown }).uri === 'string') {
      return vscode.Uri.parse((arg as { uri: string }).uri);
    }
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc) throw new Error('open a file of an Ignite app (handler.py or a crate file) first');
    return doc.uri;
  }

  /** The server archives the files on disk: save the dirty files under the target's folder first. */
  private async saveDirty(uri: vscode.Uri): Promise<void> {
    const folder = uri.path.endsWith('.py') || uri.path.endsWith('.rs') || uri.path.endsWith('.toml')
      ? vscode.Uri.joinPath(uri, '..').path
      : uri.path;
    const root = folder.endsWith('/src') ? folder.slice(0, -4) : folder;
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty && doc.uri.scheme === 'file' && doc.uri.path.startsWith(root + '/')) await doc.save();
    }
  }

  private async run<T>(command: string, uri: vscode.Uri, extra: Record<string, unknown> = {}, title?: string): Promise<T> {
    await this.saveDirty(uri);
    const call = (): Promise<T> => this.server.executeCommand<T>(command, { uri: uri.toString(), ...extra });
    if (!title) return call();
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, call);
  }

  private async simple(arg: unknown, command: string): Promise<unknown> {
    // the server reports success itself (window/showMessage)
    return this.run(command, this.target(arg));
  }

  private async lens(arg: unknown): Promise<unknown> {
    const { command, uri } = (arg || {}) as { command?: string; uri?: string };
    const target = vscode.Uri.parse(String(uri));
    switch (command) {
      case 'ignite.testDraft': return this.test(target);
      case 'ignite.compileDraft': return this.compile(target);
      case 'ignite.listVersions': return this.versions(target);
      case 'ignite.status': return this.status(target);
      default: return this.run(String(command), target);
    }
  }

  async compile(arg: unknown): Promise<unknown> {
    const result = await this.run<{ status?: string; skipped?: boolean; message?: string; error?: string }>(
      'ignite.compileDraft', this.target(arg));
    if (result?.skipped) void vscode.window.showInformationMessage(`Ignite: ${result.message ?? 'nothing to compile'}`);
    else if (result?.status === 'COMPILED') void vscode.window.showInformationMessage('Ignite: compiled');
    else void vscode.window.showErrorMessage(`Ignite: compile ${String(result?.status ?? 'failed').toLowerCase()}${result?.error ? `: ${result.error}` : ''} (see Problems)`);
    return result;
  }

  async test(arg: unknown): Promise<unknown> {
    const uri = this.target(arg);
    const key = LAST_PAYLOAD_KEY + uri.toString();
    const last = this.context.workspaceState.get<string>(key);
    const text = await vscode.window.showInputBox({
      title: 'Ignite test payload (JSON)',
      prompt: 'The JSON payload for handler(payload, ctx); empty: the app\'s payload.json, else {}',
      value: last ?? '',
      ignoreFocusOut: true,
      validateInput: (t) => (t.trim() ? parsePayloadJson(t).problem : undefined),
    });
    if (text === undefined) return undefined;
    await this.context.workspaceState.update(key, text);
    const extra = text.trim() ? { payload: text } : {};
    const result = await this.run<{ status?: string; ok?: boolean; durationMs?: number; error?: string }>(
      'ignite.testDraft', uri, extra);
    const summary = `Ignite test ${String(result?.status ?? '?').toLowerCase()}${result?.durationMs !== undefined && result?.durationMs !== null ? ` in ${result.durationMs} ms` : ''}`;
    if (result?.ok) void vscode.window.showInformationMessage(summary);
    else void vscode.window.showErrorMessage(`${summary}${result?.error ? `: ${result.error.split('\n')[0]}` : ''}`);
    return result;
  }

  private async pickVersion(uri: vscode.Uri, title: string): Promise<Version | undefined> {
    const versions = await this.server.executeCommand<Version[]>('ignite.listVersions', { uri: uri.toString() });
    if (!versions?.length) {
      void vscode.window.showInformationMessage('This Ignite app has no published versions yet.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      [...versions].reverse().map((v) => ({
        label: `v${v.version}${v.active ? '  (active)' : ''}`,
        description: `${v.status.toLowerCase()} · ${v.codeHash}`,
        v,
      })),
      { title, placeHolder: 'Pick a version' },
    );
    return picked?.v;
  }

  async versions(arg: unknown): Promise<unknown> {
    const uri = this.target(arg);
    const v = await this.pickVersion(uri, 'Ignite versions');
    if (!v) return undefined;
    const action = await vscode.window.showQuickPick(
      [
        { label: 'Open', id: 'open' },
        { label: 'Diff with the workspace', id: 'diff' },
        { label: 'Roll back to this version', id: 'rollback' },
      ],
      { title: `v${v.version}`, placeHolder: 'What to do with this version' },
    );
    if (!action) return undefined;
    if (action.id === 'open') return this.server.executeCommand('ignite.openVersion', { uri: uri.toString(), version: v.version });
    if (action.id === 'rollback') return this.server.executeCommand('ignite.rollback', { uri: uri.toString(), version: v.version });
    const diff = await this.server.executeCommand<{ left?: string; right: string; file: string; changedFiles: string[] }>(
      'ignite.diffVersion', { uri: uri.toString(), version: v.version });
    if (diff.left) {
      await vscode.commands.executeCommand('vscode.diff', vscode.Uri.parse(diff.left), vscode.Uri.parse(diff.right),
        `${diff.file}: v${v.version} ↔ workspace`);
    }
    if (diff.changedFiles.length > 1) {
      void vscode.window.showInformationMessage(`Changed since v${v.version}: ${diff.changedFiles.join(', ')}`);
    }
    return diff;
  }

  async rollback(arg: unknown): Promise<unknown> {
    const uri = this.target(arg);
    const v = await this.pickVersion(uri, 'Roll back the Ignite app to');
    if (!v) return undefined;
    return this.server.executeCommand('ignite.rollback', { uri: uri.toString(), version: v.version });
  }

  async status(arg: unknown): Promise<unknown> {
    const target = arg === undefined && !vscode.window.activeTextEditor ? undefined : this.target(arg);
    const result = await this.server.executeCommand<{ apps: { app: string; draft?: string; activeVersion?: number | null; error?: string | null }[] }>(
      'ignite.status', target ? { uri: target.toString() } : {});
    const lines = (result?.apps ?? []).map((a) => `${a.app}: draft ${String(a.draft ?? '?').toLowerCase()}, active v${a.activeVersion ?? '-'}${a.error ? ` (${a.error})` : ''}`);
    void vscode.window.showInformationMessage(lines.length ? lines.join(' · ') : 'No Ignite app in this workspace.');
    return result;
  }
}
