/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // server.ts owns the process; keep Next from bundling native or server-only modules.
  serverExternalPackages: ['better-sqlite3', 'ws'],
};

module.exports = nextConfig;
