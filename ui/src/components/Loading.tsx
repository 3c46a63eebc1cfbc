// A loading state that says what is being fetched, with skeleton lines under the sentence (never a bare spinner).
export function Loading({ what, lines = 3 }: { what: string; lines?: number }) {
  return (
    <div className="loading" aria-busy="true">
      <p className="loading-text">{what}</p>
      {Array.from({ length: lines }, (_, index) => (
        <span key={index} className="skeleton skeleton-line" aria-hidden="true" />
      ))}
    </div>
  );
}
