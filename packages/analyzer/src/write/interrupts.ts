/**
 * Keeps Ctrl-C (and a polite kill) from cutting a file replacement in half.
 *
 * Without a listener, SIGINT, SIGTERM and SIGHUP end a Node process at once, wherever it is: between
 * writing a temporary file and renaming it over the target, or between two files of a set that must
 * be written together. While a hold is active a listener is installed, so the signal waits until
 * the synchronous write in progress has finished (a listener only runs when the event loop turns).
 * When the last hold is released, a signal that arrived meanwhile is raised again, and then has its
 * usual effect: the process ends, as the user asked, with everything on disk whole.
 */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let holders = 0;
/** The first signal received during the holds, and whether eos's listener was its only one. */
let received: { signal: NodeJS.Signals; alone: boolean } | undefined;

function onSignal(signal: NodeJS.Signals): void {
  // Another listener (an editor host, a test runner) handles the signal its own way: eos must
  // then not raise it again when it lets go.
  received ??= { signal, alone: process.listenerCount(signal) === 1 };
}

export interface InterruptHold {
  /**
   * Lets a signal that arrived during synchronous work be delivered, and returns it (undefined when
   * none came). Call it between units of work to stop early.
   */
  checkpoint(): Promise<NodeJS.Signals | undefined>;
  /** Ends this hold; when it was the last, a signal received meanwhile is raised again. */
  release(): Promise<void>;
}

/** Holds SIGINT, SIGTERM and SIGHUP until the returned hold is released (holds nest). */
export function holdInterrupts(): InterruptHold {
  if (holders++ === 0) for (const s of SIGNALS) process.on(s, onSignal);
  let released = false;
  return {
    async checkpoint() {
      await nextTurns();
      return received?.signal;
    },
    async release() {
      if (released) return;
      released = true;
      // A signal caught while the listener was installed is dropped if the listener goes before
      // the loop delivers it: give the loop its turns first.
      await nextTurns();
      if (--holders > 0) return;
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      const pending = received;
      received = undefined;
      if (pending?.alone) process.kill(process.pid, pending.signal);
    },
  };
}

/** Two turns of the event loop: between them the loop polls, which delivers pending signals. */
async function nextTurns(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
