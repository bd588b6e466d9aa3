/** The delivery strategies berth has, by the name `strategy:` gives in the config. */
import type { ResolvedConfig } from '../config/types.js'
import { gitStrategy } from './git-strategy.js'
import { relayStrategy } from './relay-strategy.js'
import { storeStrategy } from './store-strategy.js'
import type { DeliveryStrategy } from './strategy.js'
import { uploadStrategy } from './upload-strategy.js'

const STRATEGIES: Record<ResolvedConfig['strategy'], () => DeliveryStrategy> = {
  upload: uploadStrategy,
  git: gitStrategy,
}

/** A fresh strategy for one run (it may keep what it read, e.g. the commit, across a rename). */
export function deliveryFor(config: ResolvedConfig): DeliveryStrategy {
  return config.strategy === 'upload' ? uploadDeliveryFor(config) : STRATEGIES[config.strategy]()
}

/**
 * The upload strategy, routed as `delivery.via` says (README, "Delivery at scale"); also
 * what a promote ships its artifact with, whatever `strategy:` says (the config refuses a
 * `via` other than direct with `strategy: git`).
 */
export function uploadDeliveryFor(config: ResolvedConfig): DeliveryStrategy {
  if (config.delivery.via === 'relay') return relayStrategy()
  if (config.delivery.via === 'store') return storeStrategy(config.delivery.store)
  return uploadStrategy()
}
