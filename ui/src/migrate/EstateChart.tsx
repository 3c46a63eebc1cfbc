// The estate's deadlines at a glance: client secrets and certificates by expiry (a plain SVG bar chart with a table as its text alternative) and the Azure DevOps issuer's retirement.
import type { InventoriedConnectionView } from "../ipc/bindings";
import { formatDay } from "./InventoryTable";
import { EXPIRY_BUCKETS, daysUntil, expiryCounts } from "./migration";
import { legacyIssuerCount, plural } from "./selectors";

const BAR_HEIGHT = 20;
const ROW_GAP = 8;
const LABEL_WIDTH = 130;
const CHART_WIDTH = 420;

export function ExpiryChart({ connections, now }: { connections: readonly InventoriedConnectionView[]; now: Date }) {
  const counts = expiryCounts(connections, now);
  const rows = EXPIRY_BUCKETS.map(({ bucket, words }) => ({ bucket, words, ...counts[bucket], total: counts[bucket].secrets + counts[bucket].certificates }));
  const largest = Math.max(1, ...rows.map((row) => row.total));
  const barSpace = CHART_WIDTH - LABEL_WIDTH - 40;
  const height = rows.length * (BAR_HEIGHT + ROW_GAP);
  const total = rows.reduce((sum, row) => sum + row.total, 0);
  return (
    <figure className="expiry-chart" aria-labelledby="expiry-title">
      <figcaption id="expiry-title">
        <strong>Client secrets and certificates by expiry</strong> ({plural(total, "credential")} on the identities of these connections)
      </figcaption>
      {/* The table below says the same in text, so the picture is hidden from screen readers. */}
      <svg viewBox={`0 0 ${CHART_WIDTH} ${height}`} width="100%" role="presentation" aria-hidden="true" className="expiry-bars">
        {rows.map((row, index) => {
          const y = index * (BAR_HEIGHT + ROW_GAP);
          const width = row.total === 0 ? 0 : Math.max(4, (row.total / largest) * barSpace);
          return (
            <g key={row.bucket} className={`expiry-bar expiry-${row.bucket}`}>
              <text x={0} y={y + BAR_HEIGHT * 0.72} className="expiry-label">
                {row.words}
              </text>
              <rect x={LABEL_WIDTH} y={y} width={width} height={BAR_HEIGHT} rx={3} />
              <text x={LABEL_WIDTH + width + 6} y={y + BAR_HEIGHT * 0.72} className="expiry-count">
                {row.total}
              </text>
            </g>
          );
        })}
      </svg>
      <table className="expiry-table">
        <caption className="visually-hidden">Client secrets and certificates by how soon they expire</caption>
        <thead>
          <tr>
            <th scope="col">Expires</th>
            <th scope="col">Client secrets</th>
            <th scope="col">Certificates</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.bucket}>
              <th scope="row">{row.words}</th>
              <td>{row.secrets}</td>
              <td>{row.certificates}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function IssuerDeadline({ connections, retirement, now }: { connections: readonly InventoriedConnectionView[]; retirement: string; now: Date }) {
  const legacy = legacyIssuerCount(connections);
  const days = daysUntil(retirement, now);
  return (
    <div className="issuer-deadline" role="group" aria-labelledby="issuer-deadline-title">
      <p id="issuer-deadline-title">
        <strong>Azure DevOps issuer retires {formatDay(retirement)}</strong>
      </p>
      <p className="issuer-deadline-numbers">
        <span className="big-number">{legacy}</span> {legacy === 1 ? "connection still uses it" : "connections still use it"} ·{" "}
        <span className="big-number">{days}</span> {days === 1 ? "day" : "days"} left
      </p>
    </div>
  );
}
