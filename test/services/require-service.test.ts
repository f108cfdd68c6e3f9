import * as net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireService, SERVICES } from './require-service';

/** A port that nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('requireService (the gate of every service-backed test)', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    vi.restoreAllMocks();
  });

  it('in CI, a service that does not answer fails, naming the service', async () => {
    process.env.CI = 'true';
    const port = await closedPort();
    await expect(requireService('redis', { ...SERVICES.redis, port })).rejects.toThrow(`Redis does not answer on 127.0.0.1:${port}; CI is set`);
  });

  it('outside CI, it skips with a one-line notice', async () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const port = await closedPort();
    await expect(requireService('nats', { ...SERVICES.nats, port })).resolves.toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^\[skip\] NATS JetStream does not answer/);
  });

  it('a service that answers passes', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    try {
      await expect(requireService('postgres', { ...SERVICES.postgres, port })).resolves.toBe(true);
    } finally {
      server.close();
    }
  });
});
