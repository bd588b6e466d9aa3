/**
 * What a webhook receives in the `json` format: one object per event, described by
 * `schema/notification.schema.json` (docs/notifications.md). `version` changes only when
 * a field changes meaning or goes away; new optional fields keep it.
 */
import type { Attention } from '../attention.js'
import type { NotifyEvent } from '../config/types.js'

export const NOTIFICATION_VERSION = 1

export interface NotifiedHost {
  host: string
  /** Release `current` points at after the run (null: none). */
  live: string | null
  switched: boolean
  failedStep?: string
  /** What went wrong on this host, secrets masked. */
  error?: string
  /** The failed command's last lines of output, secrets masked. */
  output?: string[]
}

export interface NotificationBody {
  version: typeof NOTIFICATION_VERSION
  event: NotifyEvent
  /** One id per berth run: a deploy's `start` and its `success` or `failure` share it. */
  run: string
  /** When the event happened (ISO 8601, UTC). */
  at: string
  app: string
  environment: string
  /** The command the event belongs to (`deploy`, `rollback`, `lock`). */
  command: string
  by: { user: string; machine: string }
  /** One line for people, as the Slack format shows it. */
  text: string
  hosts: string[]
  release?: string
  revision?: string
  ref?: string
  /** Whether the run went through (success, failure, rollback). */
  ok?: boolean
  durationMs?: number
  /** Per host, at the end of a deploy or rollback. */
  outcomes?: NotifiedHost[]
  /** Whether a person must look, and at what (README, "When a deploy fails"). */
  attention?: Attention & { summary: string }
  /** Why the run stopped, when it stopped before its per-host summary. */
  error?: string
  /** The lock that was broken (`lock-broken`). */
  lock?: { host: string; holder: string; why: string }
}
