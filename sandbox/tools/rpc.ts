import { request } from 'node:http';

/** The one HTTP call a fake tool (or the handle in a client process) makes to the world's owner. */
export interface ServerInfo {
  pid: number;
  rpcPort: number;
  armPort: number;
  /** The clusters' Kubernetes API (absent in worlds served by an older owner). */
  kubePort?: number;
  key: string;
  startedAt: string;
  /** The owner's `--sandbox-latency` (the world's speed). */
  latency?: string;
  /** Which process `pid` was (kernel/process-alive.ts): a later one given the same pid is not the owner. */
  process?: string;
}

export function rpc<T>(info: Pick<ServerInfo, 'rpcPort' | 'key'>, body: unknown, timeoutMs?: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: info.rpcPort,
        path: '/rpc',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), 'x-sandbox-key': info.key },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`sandbox server answered ${res.statusCode}: ${text}`));
          try {
            resolve(JSON.parse(text) as T);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error('sandbox server did not answer')));
    req.end(data);
  });
}
