import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { EmbedView } from '../../../components/embed/EmbedView';
import { embedTheme, embedView } from '../../../lib/embed';
import { pageData } from '../../../lib/page-data';
import '../../race-views.css';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const event = pageData().publicEvent((await params).id);
  return { title: event ? `${event.name} · Live` : 'No such event' };
}

/**
 * /embed/<id>?view=map|podium&runner=<id>&theme=dark: for a race website's <iframe>. Only the sites the
 * organiser lists may frame it (server/app.ts sets frame-ancestors from them).
 */
export default async function EmbedPage({ params, searchParams }: Props) {
  const data = pageData();
  const event = data.publicEvent((await params).id);
  if (!event) notFound();
  const q = await searchParams;
  const runner = one(q.runner);
  return (
    <EmbedView
      event={event}
      view={embedView({ view: one(q.view), runner })}
      theme={embedTheme(one(q.theme))}
      runner={runner}
      tileUrl={data.clientConfig.tileUrl}
      tileAttribution={data.clientConfig.tileAttribution}
    />
  );
}
