/** The delivery strategies berth has, by the name `strategy:` gives in the config. */
import type { ResolvedConfig } from '../config/types.js'
import { gitStrategy } from './git-strategy.js'
import { storeStrategy } from './store-strategy.js'
import type { DeliveryStrategy } from './strategy.js'
import { uploadStrategy } from './upload-strategy.js'

const STRATEGIES: Record<ResolvedConfig['strategy'], () => DeliveryStrategy> = {
  upload: uploadStrategy,
  git: gitStrategy,
}

/** A fresh strategy for one run (it may keep what it read, e.g. the commit, across a rename). */
export function deliveryFor(config: ResolvedConfig): DeliveryStrategy {
  // `delivery.via` other than direct carries an upload's files another way (the config allows it with strategy: upload only).
  if (config.delivery.via === 'store') return storeStrategy(config.delivery.store)
  return STRATEGIES[config.strategy]()
}

/** What ships an artifact (`promote`): the upload, through the store when the config says so. */
export function artifactDeliveryFor(config: ResolvedConfig): DeliveryStrategy {
  return config.delivery.via === 'store' ? storeStrategy(config.delivery.store) : uploadStrategy()
}
