'use client';

import { PICKABLE } from '../../client/colors';
import type { DetailsForm } from '../../client/join-details';
import { LIMITS } from '../../lib/protocol';
import { AboutYou } from './AboutYou';

/**
 * "You": the name spectators see, the bib and details (before joining), and the colour on the map; fixed
 * while sharing.
 */
export function ProfileForm({
  name,
  bib,
  color,
  locked,
  askBib,
  claim,
  askClaim,
  details,
  categories,
  error,
  onName,
  onBib,
  onClaim,
  onDetails,
  onColor,
}: {
  name: string;
  bib: string;
  color: string;
  /** Sharing: the profile stays as it is. */
  locked: boolean;
  /** A bib counts when joining; afterwards the organiser sets it. */
  askBib: boolean;
  claim: string;
  /** The bib is on the start list: its claim code is asked for. */
  askClaim: boolean;
  details: DetailsForm;
  /** The event's categories, offered as the runner types theirs. */
  categories: readonly string[];
  error: string | null;
  onName: (name: string) => void;
  onBib: (bib: string) => void;
  onClaim: (claim: string) => void;
  onDetails: (details: DetailsForm) => void;
  onColor: (color: string) => void;
}) {
  const colorName = PICKABLE.find((c) => c.hex === color)?.name ?? 'Red';
  return (
    <section className="panel" aria-label="You">
      <label className="field">
        Your name
        <input
          value={name}
          maxLength={LIMITS.nameMax}
          placeholder="As spectators will see it"
          onChange={(e) => onName(e.target.value)}
          disabled={locked}
          autoComplete="nickname"
          aria-describedby="name-count"
        />
      </label>
      {/* A longer name is cut as it is typed or pasted: the count says so rather than cutting it silently. */}
      <p id="name-count" className={`small ${name.length >= LIMITS.nameMax ? 'form-error' : 'muted'}`} data-testid="name-count" style={{ margin: '-6px 0 0' }}>
        {name.length} / {LIMITS.nameMax} characters{name.length >= LIMITS.nameMax ? ': the most a name can have' : ''}
      </p>
      {askBib && (
        <label className="field">
          Bib number (optional)
          <input
            value={bib}
            maxLength={8}
            inputMode="text"
            autoCapitalize="characters"
            placeholder="As printed on your bib"
            // "24 17" as printed with a gap is bib 2417: spaces never belong to a bib.
            onChange={(e) => onBib(e.target.value.replace(/\s+/g, ''))}
            disabled={locked}
          />
        </label>
      )}
      {askBib && askClaim && (
        <label className="field">
          Claim code (from the organiser, with your bib)
          <input
            value={claim}
            maxLength={20}
            autoCapitalize="characters"
            autoComplete="one-time-code"
            placeholder="8 letters and digits"
            onChange={(e) => onClaim(e.target.value)}
            disabled={locked}
          />
        </label>
      )}
      {/* Claiming a start-list entry brings its details; anyone else may give theirs. */}
      {askBib && !askClaim && <AboutYou form={details} categories={categories} locked={locked} onChange={onDetails} />}
      <div className="colors" role="group" aria-label={`Your colour on the map: ${colorName}`}>
        {PICKABLE.map((c) => (
          <button
            key={c.hex}
            type="button"
            style={{ background: c.hex }}
            aria-label={c.name}
            title={c.name}
            aria-pressed={c.hex === color}
            disabled={locked}
            onClick={() => onColor(c.hex)}
          />
        ))}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
