import type { Metadata } from 'next';
import Link from 'next/link';
import { SpectatorView } from '../../../components/SpectatorView';
import { pageData } from '../../../lib/page-data';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ token: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = pageData().resolveShareLink((await params).token);
  return { title: found?.state === 'active' ? found.event.name : 'Link not available', robots: { index: false } };
}

/** A spectator link made by the organiser: no account, maybe limited to some runners, maybe expiring. */
export default async function SharedPage({ params }: Props) {
  const { token } = await params;
  const data = pageData();
  const found = data.resolveShareLink(token);
  if (!found || found.state !== 'active') {
    const [title, text] = !found
      ? ['No such link', 'This link does not exist: check that it was copied whole.']
      : found.state === 'expired'
        ? ['This link has expired', 'The organiser made it to work for a limited time only.']
        : ['This link was withdrawn', 'The organiser has withdrawn it.'];
    return (
      <main className="not-found" data-testid="link-gone">
        <h1>{title}</h1>
        <p className="muted">{text} Ask the organiser for a new one.</p>
        <Link className="btn" href="/">
          See all events
        </Link>
      </main>
    );
  }
  return <SpectatorView event={found.event} config={data.clientConfig} share={token} />;
}
