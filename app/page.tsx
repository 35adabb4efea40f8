import Link from 'next/link';
import { BrandHeader } from '../components/BrandHeader';
import { CreateEventForm } from '../components/CreateEventForm';
import { pageData } from '../lib/page-data';

export const dynamic = 'force-dynamic';

export default function Home() {
  const events = pageData().listEvents();
  return (
    <>
      <BrandHeader />
      <main className="landing">
        <section className="hero">
          <h1>Live tracking for your run</h1>
          <p>
            Runners share their position from a phone browser; friends and family watch every runner move on a live map,
            see how everyone feels, and send cheers.
          </p>
        </section>
        <section className="panel" aria-labelledby="events-heading">
          <h2 id="events-heading">Events</h2>
          {events.length === 0 ? (
            <p className="muted">No events yet: create the first one below.</p>
          ) : (
            <ul className="event-list">
              {events.map((e) => (
                <li key={e.id}>
                  <span className="name">{e.name}</span>
                  <span className="muted small meta">
                    {e.status === 'finished' ? 'finished · ' : ''}
                    {e.runners === null
                      ? 'protected'
                      : `${e.runners} runner${e.runners === 1 ? '' : 's'}${e.status === 'live' ? `, ${e.active} active` : ''}`}
                  </span>
                  <span className="actions">
                    <Link className="btn" href={`/e/${e.id}`} aria-label={`Watch ${e.name}`}>
                      Watch
                    </Link>
                    {e.status === 'live' && (
                      <Link className="btn primary" href={`/e/${e.id}/run`} aria-label={`Run in ${e.name}`}>
                        Run
                      </Link>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="panel" aria-labelledby="create-heading">
          <h2 id="create-heading">Create an event</h2>
          <CreateEventForm />
        </section>
      </main>
    </>
  );
}
