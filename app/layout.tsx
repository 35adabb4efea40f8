import type { Metadata, Viewport } from 'next';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import 'leaflet/dist/leaflet.css';
import 'uplot/dist/uPlot.min.css';
import { ServiceWorker } from '../components/ServiceWorker';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Trackside', template: '%s · Trackside' },
  description: 'Live tracking for running events: runners share GPS from their phones, spectators watch and cheer.',
  applicationName: 'Trackside',
  appleWebApp: { capable: true, title: 'Trackside', statusBarStyle: 'black-translucent' },
  icons: {
    icon: [{ url: '/icons/icon.svg', type: 'image/svg+xml' }, { url: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }],
    apple: [{ url: '/icons/apple-touch-icon.png', sizes: '180x180' }],
  },
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#0f2a3d' },
    { media: '(prefers-color-scheme: dark)', color: '#08131c' },
  ],
};

/** Outdoor mode is applied before the first paint, so the page never flashes in normal contrast. */
const CONTRAST_SCRIPT = `try{if(localStorage.getItem('trackside:contrast')==='high')document.documentElement.dataset.contrast='high'}catch(e){}`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The page's content security policy carries a fresh nonce per response (server/security-headers.ts).
  const csp = (await headers()).get('content-security-policy') ?? '';
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: CONTRAST_SCRIPT }} />
      </head>
      <body>
        {children}
        <ServiceWorker enabled={process.env.NODE_ENV === 'production'} />
      </body>
    </html>
  );
}
