import { describe, expect, it } from 'vitest'
import { STEPS } from '../../config/types.js'
import { DEPLOY_STEPS } from './registry.js'

describe('the step registry', () => {
  it('holds every step the config knows hooks for, once, in the documented order', () => {
    expect(DEPLOY_STEPS.map((def) => def.name)).toEqual([...STEPS])
  })

  it('keeps segments in order: open, prepare, go-live, close', () => {
    const order = ['open', 'prepare', 'go-live', 'close']
    const segments = DEPLOY_STEPS.map((def) => order.indexOf(def.segment))
    expect(segments).toEqual([...segments].sort((a, b) => a - b))
  })

  it('lets only built-in work join the step before it', () => {
    for (const def of DEPLOY_STEPS) if (def.builtin?.joinsPrevious) expect(DEPLOY_STEPS.indexOf(def)).toBeGreaterThan(0)
  })
})
