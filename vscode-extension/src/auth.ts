// Sign-in: the token lives in SecretStorage, keyed by endpoint, and never in settings.json.
import * as vscode from 'vscode';

const PREFIX = 'scriptum.token:';

export class TokenStore {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {
    secrets.onDidChange((e) => {
      if (e.key.startsWith(PREFIX)) this.changed.fire();
    });
  }

  private key(endpoint: string): string {
    return PREFIX + (endpoint.trim() || 'local');
  }

  async get(endpoint: string): Promise<string | undefined> {
    return (await this.secrets.get(this.key(endpoint))) || undefined;
  }

  async set(endpoint: string, token: string): Promise<void> {
    await this.secrets.store(this.key(endpoint), token);
  }

  async delete(endpoint: string): Promise<void> {
    await this.secrets.delete(this.key(endpoint));
  }
}
