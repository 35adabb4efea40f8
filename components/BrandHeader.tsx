import Link from 'next/link';
import type { ReactNode } from 'react';
import { ContrastToggle } from './ContrastToggle';

/** The bar at the top of every page: the brand (home), the page's heading, its statuses, and Outdoor mode. */
export function BrandHeader({ heading, children }: { heading?: string; children?: ReactNode }) {
  return (
    <header className="topbar">
      <Link href="/" className="brand">
        Track<span>side</span>
      </Link>
      {heading !== undefined && <h1 title={heading}>{heading}</h1>}
      <div className="links">
        {children}
        <ContrastToggle />
      </div>
    </header>
  );
}
