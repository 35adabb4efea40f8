import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { SpectatorView } from '../../../components/SpectatorView';
import { pageData } from '../../../lib/page-data';

export const dynamic = 'force-dynamic';

/** Rows of the runner list rendered with the page: a phone's screenful and the next. */
const FIRST_ROWS = 40;

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const event = pageData().publicEvent((await params).id);
  return { title: event ? event.name : 'No such event' };
}

export default async function SpectatorPage({ params }: Props) {
  const { id } = await params;
  const data = pageData();
  const event = data.publicEvent(id);
  if (!event) notFound();
  // The list's first rows come with the page: the field is listed before any script has run.
  const firstRows = await data.firstRows(id, FIRST_ROWS).catch(() => null);
  return <SpectatorView event={event} config={data.clientConfig} firstRows={firstRows} />;
}
