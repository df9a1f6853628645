/**
 * What a member holds for as long as it runs (its background fibers and the
 * callbacks, flags and claims it must undo), released by one scope
 * finalizer instead of one each.
 *
 * Each `Effect.addFinalizer` or `acquireRelease` keeps a snapshot of the
 * caller's fiber refs and a few closures for the member's life, and costs a
 * fiber-ref diff and patch when it runs. A member registered eight of them
 * (nine when it leaves on close), one of them a `FiberSet`'s with a
 * `Deferred`. Six of them only called a plain function and the seventh
 * interrupted the fibers, so one finalizer does the same work in the same
 * order; the leave (an effect that needs the member running) stays a
 * finalizer of its own. The packet intake's release joined them in session 11.
 *
 * Closing runs, in order: the `beforeFibers` releases, last registered
 * first (what feeds or serves the member stops while its fibers still run);
 * then every background fiber is interrupted and awaited; then the
 * `afterFibers` releases, last registered first.
 *
 * @internal
 */
import { Context, Effect, Fiber, FiberRef, FiberRefs, HashMap, Runtime, RuntimeFlags, Scope } from "effect"

/** A fiber forked after the member stopped: interrupted before it ran. */
let interruptedFiber: Fiber.RuntimeFiber<never, never> | undefined
const alreadyInterrupted = <X>(): Fiber.RuntimeFiber<X, never> => {
  interruptedFiber ??= Effect.runFork(Effect.interrupt)
  return interruptedFiber as Fiber.RuntimeFiber<X, never>
}

/** A member's background fibers and releases. */
export class Lifetime {
  private readonly fibers = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
  private readonly before: Array<() => void> = []
  private readonly after: Array<() => void> = []
  private closed = false

  constructor(private readonly runFork: <X>(effect: Effect.Effect<X>) => Fiber.RuntimeFiber<X, never>) {}

  /**
   * Runs `effect` on a fiber of its own (started at once, with the refs of the fiber that made this
   * lifetime), interrupted when the member stops; once stopped, nothing runs.
   */
  readonly fork = <X>(effect: Effect.Effect<X>): Fiber.RuntimeFiber<X, never> => {
    if (this.closed) return alreadyInterrupted()
    const fiber = this.runFork(effect)
    if (fiber.unsafePoll() === null) {
      this.fibers.add(fiber)
      fiber.addObserver(() => this.fibers.delete(fiber))
    }
    return fiber
  }

  /** Runs `release` when the member stops, before its fibers are interrupted. */
  beforeFibers(release: () => void): void {
    this.before.push(release)
  }

  /** Runs `release` when the member stops, after its fibers ended. */
  afterFibers(release: () => void): void {
    this.after.push(release)
  }

  /** Background fibers still running. */
  get running(): number {
    return this.fibers.size
  }

  /** Stops the member's work; runs once. */
  readonly close: Effect.Effect<void> = Effect.suspend(() => {
    if (this.closed) return Effect.void
    this.closed = true
    const failedBefore = runReversed(this.before)
    const fibers = Array.from(this.fibers)
    this.fibers.clear()
    return Effect.zipRight(
      fibers.length === 0 ? Effect.void : Fiber.interruptAll(fibers),
      Effect.suspend(() => {
        const failedAfter = runReversed(this.after)
        const failed = failedBefore ?? failedAfter
        return failed === undefined ? Effect.void : Effect.die(failed.error)
      })
    )
  })
}

/**
 * Runs every release, last first, and empties the list. One that throws does not stop the others
 * (each was a finalizer of its own before); the first error is returned, to end the close as a defect.
 */
const runReversed = (releases: Array<() => void>): { readonly error: unknown } | undefined => {
  let failure: { readonly error: unknown } | undefined
  for (let i = releases.length - 1; i >= 0; i--) {
    try {
      releases[i]!()
    } catch (error) {
      failure ??= { error }
    }
  }
  releases.length = 0
  return failure
}

/**
 * A lifetime whose fibers fork from `fiber`'s refs, made in a step the caller already runs on that
 * fiber (a member's start reads everything it needs from its fiber in one step). Its fibers are
 * forked interruptible (so they stop with the scope even when this runs in an uninterruptible
 * acquire) and carry the `member` log annotation. The caller adds `close` to its scope.
 */
export const unsafeMake = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  runtimeFlags: RuntimeFlags.RuntimeFlags,
  member: string
): Lifetime => {
  const refs = fiber.getFiberRefs()
  const annotations = FiberRefs.getOrDefault(refs, FiberRef.currentLogAnnotations)
  const runtime = Runtime.make({
    context: fiber.currentContext,
    runtimeFlags: RuntimeFlags.enable(runtimeFlags, RuntimeFlags.Interruption),
    fiberRefs: FiberRefs.updateAs(refs, {
      fiberId: fiber.id(),
      fiberRef: FiberRef.currentLogAnnotations,
      value: HashMap.set(annotations, "member", member)
    })
  })
  return new Lifetime(Runtime.runFork(runtime))
}

/**
 * A lifetime closed with the current scope (see `unsafeMake`).
 *
 * The runtime they fork from is made from this fiber's refs in one step, and the finalizer goes to
 * the scope as it is: `annotateLogs`, `interruptible`, `Effect.runtime` and `Effect.addFinalizer`
 * took about 40 interpreter steps, two copies of the fiber refs and one more kept by the finalizer
 * (which needs none: closing runs no effect that reads them).
 */
export const make = (member: string): Effect.Effect<Lifetime, never, Scope.Scope> =>
  Effect.withFiberRuntime((fiber, status) => {
    const lifetime = unsafeMake(fiber, status.runtimeFlags, member)
    return Effect.as(Scope.addFinalizer(scopeOf(fiber), lifetime.close), lifetime)
  })

/** The scope in `fiber`'s context (the caller's type says there is one). */
export const scopeOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Scope.Scope =>
  Context.get(fiber.currentContext as Context.Context<Scope.Scope>, Scope.Scope)
