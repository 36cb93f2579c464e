// The status bar item: endpoint, organization, draft status of the active script, a spinner while busy and
// a warning colour when offline or unauthorized. Clicking it runs "Scriptum: Show Status".
import * as vscode from 'vscode';
import { draftStatusFor, mergeStatus, statusView, type StatusInput } from './logic/status';
import { scriptNameFromPath } from './logic/documents';
import type { ServerManager, StatusNotification } from './server';
import { report } from './testHook';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('scriptum.status', vscode.StatusBarAlignment.Left, 50);
  private last: StatusNotification = {};
  private draftStatus: string | undefined;
  private busy: string[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastText = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly server: ServerManager) {
    this.item.name = 'Scriptum';
    this.item.command = 'scriptum.vscode.showStatus';
    this.disposables.push(
      this.item,
      server.onStatus((s) => {
        this.last = mergeStatus(this.last, s);
        this.render();
        this.scheduleRefresh();
      }),
      server.onState((s) => {
        if (s !== 'running') this.last = { ...this.last, state: s };
        else if (this.last.state === 'starting' || this.last.state === 'stopped') this.last = { ...this.last, state: 'ready' };
        this.render();
        if (s === 'running') this.scheduleRefresh();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.draftStatus = undefined;
        this.render();
        this.scheduleRefresh();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('scriptum') && this.render()),
      // a compile changes the draft status without a status notification
      vscode.languages.onDidChangeDiagnostics((e) => {
        const doc = this.activeScript();
        if (doc && e.uris.some((u) => u.toString() === doc.uri.toString())) this.scheduleRefresh();
      }),
    );
    this.render();
  }

  /** Shows the spinner while `work` runs. */
  async busyWhile<T>(label: string, work: () => Thenable<T>): Promise<T> {
    this.busy.push(label);
    this.render();
    try {
      return await work();
    } finally {
      this.busy.splice(this.busy.indexOf(label), 1);
      this.render();
      this.scheduleRefresh();
    }
  }

  private activeScript(): vscode.TextDocument | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc && doc.languageId === 'scriptum' && doc.uri.scheme === 'file' ? doc : undefined;
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 400);
  }

  private async refresh(): Promise<void> {
    const doc = this.activeScript();
    if (!doc || !this.server.running) return;
    try {
      const status = await this.server.executeCommand('scriptum.status', { uri: doc.uri.toString() });
      this.draftStatus = draftStatusFor(status, doc.uri.toString(), scriptNameFromPath(doc.uri.fsPath));
      this.render();
    } catch (e) {
      this.server.log.debug(`scriptum.status: ${String(e)}`);
    }
  }

  private render(): void {
    const cfg = vscode.workspace.getConfiguration('scriptum');
    const input: StatusInput = {
      state: this.last.state,
      endpoint: this.last.endpoint || cfg.get<string>('endpoint') || 'local',
      organization: this.last.organization ?? cfg.get<string>('organization') ?? '',
      draftStatus: this.activeScript() ? this.draftStatus : undefined,
      message: this.last.message,
      busy: this.busy.length ? this.busy[this.busy.length - 1] : undefined,
    };
    const view = statusView(input);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor =
      view.health === 'warning'
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : view.health === 'error'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : undefined;
    if (view.text !== this.lastText) report('statusbar', { text: view.text, health: view.health });
    this.lastText = view.text;
    this.item.show();
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}
