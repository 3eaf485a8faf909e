/** The one fake clock of the tests: hand `clock.now` to the runtime (`now`), then move time with `advance` or `set`. */
export class FakeClock {
  constructor(private t: number = Date.now()) {}
  /** The current time (ms); a bound function, so it can be passed as `now`. */
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}
