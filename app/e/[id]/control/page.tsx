import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ControlView } from '../../../../components/control/ControlView';
import { pageData } from '../../../../lib/page-data';
import './control.css';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const event = pageData().publicEvent((await params).id);
  return { title: event ? `Race control: ${event.name}` : 'No such event', robots: { index: false } };
}

export default async function ControlPage({ params }: Props) {
  const { id } = await params;
  const data = pageData();
  const event = data.publicEvent(id);
  if (!event) notFound();
  return <ControlView event={event} config={data.clientConfig} />;
}
