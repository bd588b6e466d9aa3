import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createSafeWriter } from './safe-write.js'

class FakeStream extends EventEmitter {
  written: string[] = []
  throwOnWrite = false
  write(text: string): boolean {
    if (this.throwOnWrite) throw new Error('write after end')
    this.written.push(text)
    return true
  }
}

describe('createSafeWriter', () => {
  it('writes until the stream fails, then drops output instead of crashing', () => {
    const stream = new FakeStream()
    const write = createSafeWriter(stream)
    write('one\n')
    // With no listener, this emit would throw (and, on a real stream, kill the process).
    expect(() => stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).not.toThrow()
    write('two\n')
    expect(stream.written).toEqual(['one\n'])
  })

  it('treats a write that throws the same way', () => {
    const stream = new FakeStream()
    const write = createSafeWriter(stream)
    stream.throwOnWrite = true
    expect(() => write('one\n')).not.toThrow()
    stream.throwOnWrite = false
    write('two\n')
    expect(stream.written).toEqual([])
  })
})
