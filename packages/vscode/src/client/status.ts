import * as vscode from 'vscode';
import type { ServerState, StatusParams } from '../protocol';

const ICONS: Record<ServerState | 'starting' | 'stopped', string> = {
  ready: '$(check)',
  busy: '$(sync~spin)',
  error: '$(warning)',
  disabled: '$(circle-slash)',
  starting: '$(loading~spin)',
  stopped: '$(error)',
};

/** The status bar item: what the server is doing, and the last problem when there is one. */
export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('eos.status', vscode.StatusBarAlignment.Right, 100);
  private server: StatusParams | { state: 'starting' | 'stopped'; detail?: string } = { state: 'starting' };
  private enabled = true;

  constructor(showOutputCommand: string) {
    this.item.name = 'eos';
    this.item.command = showOutputCommand;
    this.render();
    this.item.show();
  }

  /** The last state reported (tests read it through the `eos.status` command). */
  get state(): string {
    return this.enabled ? this.server.state : 'disabled';
  }

  get detail(): string | undefined {
    return this.server.detail;
  }

  setServer(status: StatusParams | { state: 'starting' | 'stopped'; detail?: string }): void {
    this.server = status;
    this.render();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.render();
  }

  private render(): void {
    const state = this.enabled ? this.server.state : 'disabled';
    this.item.text = `${ICONS[state]} eos`;
    const lines: Record<string, string> = {
      ready: 'eos: analysing TypeScript and JavaScript files',
      busy: 'eos: working',
      error: 'eos: a problem needs attention',
      disabled: 'eos: disabled (eos.enable is false)',
      starting: 'eos: starting',
      stopped: 'eos: the language server stopped',
    };
    const detail = this.enabled && this.server.detail ? `\n${this.server.detail}` : '';
    this.item.tooltip = `${lines[state]}${detail}\nClick to show the eos log.`;
    this.item.backgroundColor = state === 'error' || state === 'stopped' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
