// Debugging: the `scriptum` debugger type runs `scriptum-lsp debug` (a DAP server, docs/debugger.md) with the
// same interpreter as the language server. Commands "Debug Script" and "Replay Thread...", and a "Debug" lens.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { TokenStore } from './auth';
import { DEBUG_TYPE, launchConfiguration, replayConfiguration, resolveConfiguration } from './logic/debugConfig';
import type { ServerManager } from './server';

class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly server: ServerManager) {}

  async createDebugAdapterDescriptor(): Promise<vscode.DebugAdapterDescriptor | undefined> {
    const proc = await this.server.serverProcess();
    if (!proc) {
      void vscode.window.showErrorMessage('Scriptum: no Python interpreter with scriptum-lsp was found to debug with (see the Scriptum log).');
      return undefined;
    }
    return new vscode.DebugAdapterExecutable(proc.command, ['-m', 'scriptum_lsp', 'debug'], { env: proc.env as Record<string, string> });
  }
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly tokens: TokenStore) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [launchConfiguration('${file}'), replayConfiguration({ threadFile: '${workspaceFolder}/thread.json' })];
  }

  async resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    const cfg = vscode.workspace.getConfiguration('scriptum');
    const endpoint = cfg.get<string>('endpoint') || 'local';
    const doc = vscode.window.activeTextEditor?.document;
    const activeScript = doc && doc.languageId === 'scriptum' && doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
    const { config: resolved, message } = resolveConfiguration(config, {
      activeScript,
      endpoint,
      organization: cfg.get<string>('organization') || undefined,
      token: await this.tokens.get(endpoint),
      inputExists: (p) => fs.existsSync(p),
    });
    if (!resolved) {
      void vscode.window.showInformationMessage(message ?? 'Nothing to debug.');
      return undefined;
    }
    if (doc && activeScript && resolved.script === activeScript && doc.isDirty) await doc.save();
    return resolved;
  }
}

class DebugLens implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    for (let i = 0; i < Math.min(document.lineCount, 200); i++) {
      if (/^\s*script\b/.test(document.lineAt(i).text)) {
        return [new vscode.CodeLens(document.lineAt(i).range, { title: '$(debug-alt) Debug', command: 'scriptum.vscode.debugScript', arguments: [document.uri] })];
      }
    }
    return [];
  }
}

export function registerDebug(server: ServerManager, tokens: TokenStore): vscode.Disposable[] {
  return [
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory(server)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider(tokens)),
    vscode.languages.registerCodeLensProvider({ language: 'scriptum', scheme: 'file' }, new DebugLens()),
    vscode.commands.registerCommand('scriptum.vscode.debugScript', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target || !target.fsPath.endsWith('.scriptum')) {
        void vscode.window.showInformationMessage('Open a .scriptum file to debug it.');
        return;
      }
      await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(target), launchConfiguration(target.fsPath));
    }),
    vscode.commands.registerCommand('scriptum.vscode.replayThread', async (arg?: string) => {
      let target: { thread: string } | { threadFile: string } | undefined;
      if (typeof arg === 'string' && arg) target = arg.endsWith('.json') ? { threadFile: arg } : { thread: arg };
      if (!target) {
        const choice = await vscode.window.showQuickPick(
          [
            { label: 'A thread id', description: 'replay a thread of the current endpoint', id: 'id' },
            { label: 'A thread file', description: 'an exported thread (scriptum.exportThread)', id: 'file' },
          ],
          { title: 'Replay a Scriptum thread' },
        );
        if (!choice) return;
        if (choice.id === 'id') {
          const id = await vscode.window.showInputBox({ title: 'Thread id', placeHolder: 'thr_...', ignoreFocusOut: true });
          if (!id) return;
          target = { thread: id.trim() };
        } else {
          const files = await vscode.window.showOpenDialog({ filters: { 'Thread JSON': ['json'] }, canSelectMany: false });
          if (!files?.length) return;
          target = { threadFile: files[0].fsPath };
        }
      }
      await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], replayConfiguration(target));
    }),
  ];
}
