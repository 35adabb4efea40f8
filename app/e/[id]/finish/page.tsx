import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { FinishLineView } from '../../../../components/FinishLineView';
import { pageData } from '../../../../lib/page-data';
import '../../../race-views.css';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const event = pageData().publicEvent((await params).id);
  return { title: event ? `${event.name} · Finish` : 'No such event' };
}

/** The finish-line view for the announcer: who arrives next and who just finished. */
export default async function FinishPage({ params }: Props) {
  const event = pageData().publicEvent((await params).id);
  if (!event) notFound();
  return <FinishLineView event={event} />;
}
