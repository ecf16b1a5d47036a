/** A minimal event emitter with VS Code's Event shape, so the model does not import `vscode`. */
export interface Disposable {
  dispose(): void;
}
export type Event<T> = (listener: (e: T) => unknown) => Disposable;

export class Emitter<T> {
  private readonly listeners = new Set<(e: T) => unknown>();
  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // a failing listener must not stop the others
      }
    }
  }
  dispose(): void {
    this.listeners.clear();
  }
}
