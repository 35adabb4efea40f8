import { networkInterfaces } from 'node:os';

/** IPv4 addresses other devices on the local network can reach this machine at. */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

/** URLs to print at start-up. */
export function reachableUrls(protocol: 'http' | 'https', host: string, port: number): string[] {
  const wildcard = host === '0.0.0.0' || host === '::';
  const hosts = wildcard ? ['localhost', ...lanAddresses()] : [host];
  return hosts.map((h) => `${protocol}://${h.includes(':') ? `[${h}]` : h}:${port}`);
}
