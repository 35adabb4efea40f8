import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { OrganiserView } from '../../../../components/OrganiserView';
import { pageData } from '../../../../lib/page-data';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const event = pageData().publicEvent((await params).id);
  return { title: event ? `Organise: ${event.name}` : 'No such event', robots: { index: false } };
}

export default async function OrganisePage({ params }: Props) {
  const { id } = await params;
  const data = pageData();
  const event = data.publicEvent(id);
  if (!event) notFound();
  return <OrganiserView event={event} config={data.clientConfig} />;
}
