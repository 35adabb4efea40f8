/** TLS material: the operator's files, or a self-signed certificate kept under DATA_DIR for LAN use. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Config } from './config';
import { lanAddresses } from './network';

export interface TlsMaterial {
  cert: string;
  key: string;
}

export async function loadTls(config: Config): Promise<TlsMaterial | null> {
  const tls = config.tls;
  if (!tls) return null;
  if (tls.kind === 'files') return { cert: readFileSync(tls.cert, 'utf8'), key: readFileSync(tls.key, 'utf8') };

  // Reuse the certificate while the machine's addresses stay the same, so phones accept it only once.
  const dir = join(config.dataDir, 'tls');
  const ips = lanAddresses().sort();
  const names = JSON.stringify(ips);
  const files = { cert: join(dir, 'self-signed.crt'), key: join(dir, 'self-signed.key'), names: join(dir, 'names.json') };
  if (existsSync(files.cert) && existsSync(files.key) && existsSync(files.names)) {
    if (readFileSync(files.names, 'utf8') === names) {
      return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
    }
  }
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600_000);
  const pems = await generate([{ name: 'commonName', value: 'Trackside (self-signed)' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          ...ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(files.cert, pems.cert);
  writeFileSync(files.key, pems.private, { mode: 0o600 });
  writeFileSync(files.names, names);
  return { cert: pems.cert, key: pems.private };
}
