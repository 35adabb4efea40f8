/**
 * Who may know of a runner's SOS: its name and exact place are medical details. The organiser (and the
 * race-control console, which is the organiser's) sees every alert; a share link made for some runners
 * (the family's link) sees theirs; anyone else — an anonymous spectator of a public race, a view code, a
 * link for the whole field — sees none.
 */
export interface AlertViewer {
  via: 'public' | 'code' | 'link' | 'organiser';
  only: ReadonlySet<string> | null;
}

export function seesAlertsOf(viewer: AlertViewer, runnerId: string): boolean {
  if (viewer.via === 'organiser') return true;
  return viewer.via === 'link' && viewer.only !== null && viewer.only.has(runnerId);
}

/** Whether this viewer sees no alert at all (the cheapest check for a shared snapshot). */
export const seesNoAlerts = (viewer: AlertViewer) => viewer.via !== 'organiser' && !(viewer.via === 'link' && viewer.only !== null);

export function alertsFor<A extends { runnerId: string }>(viewer: AlertViewer, alerts: readonly A[]): A[] {
  return seesNoAlerts(viewer) ? [] : alerts.filter((a) => seesAlertsOf(viewer, a.runnerId));
}
