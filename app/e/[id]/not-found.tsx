import Link from 'next/link';

export default function EventNotFound() {
  return (
    <main className="not-found">
      <h1>No such event</h1>
      <p className="muted">
        This event does not exist, or its link is mistyped. Check the link you were given, or pick an event from the list.
      </p>
      <Link className="btn primary" href="/">
        See all events
      </Link>
    </main>
  );
}
