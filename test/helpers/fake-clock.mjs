// Preloaded (`node --import`) into the CLI under test when BERTH_TEST_CLOCK is set: the
// process's clock starts at that instant (ms since the epoch) and runs at normal speed.
// Release names have one-second resolution, so this lets a test run many deploys, each
// at its own second, without waiting real seconds. Everything else stays real.
const base = Number(process.env.BERTH_TEST_CLOCK)
if (process.env.BERTH_TEST_CLOCK && Number.isFinite(base)) {
  const RealDate = Date
  const started = RealDate.now()
  const now = () => base + (RealDate.now() - started)
  class TestDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now())
      else super(...args)
    }
    static now() {
      return now()
    }
  }
  globalThis.Date = TestDate
}
