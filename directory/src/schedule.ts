// The authority schedule for the document of epoch e, all before e starts:
//   uploadClose = start(e) − uploadCloseBeforeEpochMs   (descriptors for e accepted until then)
//   voteDeadline   = uploadClose + votePhaseMs           (votes: descriptor sets + commits)
//   revealDeadline = voteDeadline + revealPhaseMs        (reveals of the committed values)
//   signDeadline   = revealDeadline + signPhaseMs        (signatures gathered; document due)
// Vote and reveal sets close early once every authority has been heard from.
import type { EpochClock } from '@strata/core';

export interface ScheduleConfig {
  readonly uploadCloseBeforeEpochMs: number;
  readonly votePhaseMs: number;
  readonly revealPhaseMs: number;
  readonly signPhaseMs: number;
}

export interface EpochSchedule {
  readonly epoch: number;
  readonly uploadCloseMs: number;
  readonly voteDeadlineMs: number;
  readonly revealDeadlineMs: number;
  readonly signDeadlineMs: number;
  readonly epochStartMs: number;
}

export function scheduleFor(clock: EpochClock, cfg: ScheduleConfig, epoch: number): EpochSchedule {
  const epochStartMs = clock.startMs(epoch);
  const uploadCloseMs = epochStartMs - cfg.uploadCloseBeforeEpochMs;
  const voteDeadlineMs = uploadCloseMs + cfg.votePhaseMs;
  const revealDeadlineMs = voteDeadlineMs + cfg.revealPhaseMs;
  const signDeadlineMs = revealDeadlineMs + cfg.signPhaseMs;
  return { epoch, uploadCloseMs, voteDeadlineMs, revealDeadlineMs, signDeadlineMs, epochStartMs };
}

/**
 * The epoch whose descriptors are being collected or voted on at `nowMs`: the next epoch
 * (uploadCloseBeforeEpochMs < epoch length, so its window closes during the current one).
 */
export function buildingEpoch(clock: EpochClock, nowMs: number): number {
  return clock.epochAt(nowMs) + 1;
}

/** True while descriptors for `epoch` may be uploaded at `nowMs`. */
export function uploadOpen(clock: EpochClock, cfg: ScheduleConfig, epoch: number, nowMs: number): boolean {
  const current = clock.epochAt(nowMs);
  if (epoch <= current || epoch > current + 2) return false;
  return nowMs < scheduleFor(clock, cfg, epoch).uploadCloseMs;
}
