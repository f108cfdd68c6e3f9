/**
 * Entry point of the eos language server, started by the extension over IPC. Bundled with the
 * analyzer into out/server.js, so the extension host never loads the TypeScript compiler.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { EosServer } from './server/eos-server';

const connection = createConnection(ProposedFeatures.all);

// Last line of defence: a bug must end up in the log, not silently kill the server.
process.on('uncaughtException', (err) => connection.console.error(`eos server: uncaught ${err?.stack ?? String(err)}`));
process.on('unhandledRejection', (reason) => connection.console.error(`eos server: unhandled rejection ${(reason as Error)?.stack ?? String(reason)}`));

new EosServer(connection).listen();
