import type { IconName } from './icons.ts';

// The app's screens: one route each. Later issues replace each placeholder with the real screen.

export interface Route {
  path: string;
  label: string;
  /** The icon beside the label in the navigation; decorative (the label is the name). */
  icon: IconName;
  title: string;
  summary: string;
  coming: readonly string[];
}

export const routes: readonly Route[] = [
  {
    path: '/datasets',
    label: 'Datasets',
    icon: 'datasets',
    title: 'Datasets',
    summary:
      'Browse sites, assets and their signals, and zoom through years of history at any resolution.',
    coming: [
      'Signals read slice by slice from the local chunk store, fetched from the lake when online',
      'Charts fed by the pyramid: about one bucket per pixel column at every zoom',
      'File import (CSV, WAV, NumPy, Arrow) that works offline',
    ],
  },
  {
    path: '/dashboards',
    label: 'Dashboards',
    icon: 'dashboards',
    title: 'Dashboards',
    summary: 'Dashboards built from gadgets, published by analysts and synced to the field.',
    coming: [
      'Charts, spectra and spectrograms',
      'Layouts stored as documents and synced like any data',
    ],
  },
  {
    path: '/kit',
    label: 'Field kit',
    icon: 'kit',
    title: 'Field kit',
    summary: 'Pin sites, assets and time ranges before going out, and work with them offline.',
    coming: [
      'Coverage: what is cached at which resolution, and the space it takes',
      'Measurements, notes and on-the-spot FFT, windowed max and anomaly scores',
    ],
  },
  {
    path: '/sync',
    label: 'Sync',
    icon: 'sync',
    title: 'Sync',
    summary: 'Everything made offline reaches the lake, complete and exactly once.',
    coming: [
      'Status per dataset: synced, pending, failed and why',
      'Sync now, progress, outbox export and import',
    ],
  },
  {
    path: '/settings',
    label: 'Settings',
    icon: 'settings',
    title: 'Settings',
    summary: 'Account, storage budget, and the lake this device syncs with.',
    coming: [
      'Sign-in and device tokens',
      'Storage budget and persistent storage',
      'High-contrast theme',
    ],
  },
];

export const defaultRoute = '/datasets';

/** The route for a location path; '/' is the default screen; undefined when unknown. */
export function routeFor(pathname: string): Route | undefined {
  const normalized =
    pathname === '/' || pathname === '' ? defaultRoute : pathname.replace(/\/+$/, '');
  return routes.find(
    (route) => normalized === route.path || normalized.startsWith(`${route.path}/`),
  );
}
