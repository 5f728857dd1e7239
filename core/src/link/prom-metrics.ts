// prom-client implementation of LinkMetrics: strata_link_<thing>_total counters with fixed
// label sets. Every label value is pre-initialised to 0 so dashboards see the full set.
import { Counter, type Registry } from 'prom-client';
import { PendingCounts } from '../metrics.js';
import type { FrameRejectReason, HandshakeFailureReason, SendDropReason } from './errors.js';
import type { LinkCloseReason, LinkDirection, LinkMetrics, LinkRole } from './metrics.js';

export const HANDSHAKE_FAILURE_REASONS: readonly HandshakeFailureReason[] = Object.freeze([
  'timeout', 'bad_handshake', 'low_order', 'wrong_peer_key', 'unknown_peer', 'refused',
  'too_many_handshakes', 'too_many_from_source', 'handshake_rate', 'too_many_connections', 'connect_failed', 'closed',
]);
export const FRAME_REJECT_REASONS: readonly FrameRejectReason[] = Object.freeze([
  'bad_length', 'bad_mac', 'bad_command', 'unknown_command', 'rekey_overdue',
]);
export const SEND_DROP_REASONS: readonly SendDropReason[] = Object.freeze(['send_queue_full', 'closed']);
export const LINK_CLOSE_REASONS: readonly LinkCloseReason[] = Object.freeze([
  'local', 'peer_disconnect', 'peer_closed', 'frame_rejected',
]);
const ROLES: readonly LinkRole[] = ['dialer', 'listener'];
const DIRECTIONS: readonly LinkDirection[] = ['send', 'recv'];

function counter<L extends string>(registry: Registry, name: string, help: string, label: L, values: readonly string[], pending?: PendingCounts): Counter<L> {
  const c: Counter<L> = new Counter<L>({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    ...(pending ? { collect: (): void => pending.flushInto(c as Counter<string>) } : {}),
  });
  for (const v of values) c.labels(v).inc(0);
  return c;
}

/** LinkMetrics on `registry`. Create once per registry (names must be unique in it). */
export function createPromLinkMetrics(registry: Registry): LinkMetrics {
  const opened = counter(registry, 'strata_link_connections_opened_total', 'Link connections established, by role.', 'role', ROLES);
  const closed = counter(registry, 'strata_link_connections_closed_total', 'Link connections closed, by reason.', 'reason', LINK_CLOSE_REASONS);
  const hsFailed = counter(registry, 'strata_link_handshake_failures_total', 'Failed link handshakes, by reason.', 'reason', HANDSHAKE_FAILURE_REASONS);
  const rejected = counter(registry, 'strata_link_frames_rejected_total', 'Received link frames rejected (connection closed), by reason.', 'reason', FRAME_REJECT_REASONS);
  const dropped = counter(registry, 'strata_link_send_drops_total', 'Commands refused by send(), by reason.', 'reason', SEND_DROP_REASONS);
  // Two per packet per hop: counted in plain integers, folded in at each scrape.
  const framesPending = new PendingCounts('direction');
  const frames = counter(registry, 'strata_link_frames_total', 'Link frames sent or received, by direction.', 'direction', DIRECTIONS, framesPending);
  const rekeys = counter(registry, 'strata_link_rekeys_total', 'Link cipher rekeys, by direction.', 'direction', DIRECTIONS);
  return Object.freeze({
    connectionOpened: (role: LinkRole) => opened.labels(role).inc(),
    connectionClosed: (reason: LinkCloseReason) => closed.labels(reason).inc(),
    handshakeFailed: (reason: HandshakeFailureReason) => hsFailed.labels(reason).inc(),
    frameRejected: (reason: FrameRejectReason) => rejected.labels(reason).inc(),
    sendDropped: (reason: SendDropReason) => dropped.labels(reason).inc(),
    frame: (direction: LinkDirection) => framesPending.add(direction),
    rekeyed: (direction: LinkDirection) => rekeys.labels(direction).inc(),
  });
}
