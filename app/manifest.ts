import type { MetadataRoute } from 'next';

/** Installable to a home screen; the runner page is what most people install it for. */
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: 'Trackside',
    short_name: 'Trackside',
    description: 'Live tracking for running events: share your run, watch the field, send cheers.',
    id: '/',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    orientation: 'any',
    background_color: '#f2f5f7',
    theme_color: '#0f2a3d',
    icons: [
      { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  };
}
