export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failed calls that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  cooldownMs: number;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Closed → (failureThreshold consecutive failures) → open → (cooldownMs) → half-open: one trial call;
 * its success closes the circuit, its failure opens it again for another cooldown.
 *
 * State lives in the process (one per Lambda instance): each instance learns on its own that a custodian
 * is down, which costs at most `failureThreshold` slow calls per instance.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.options.cooldownMs ? 'half-open' : 'open';
  }

  /** Asks to make a call. A caller that is let through must report `succeeded()` or `failed()`. */
  admit(): Admission {
    const state = this.state;
    if (state === 'closed') return { allowed: true };
    if (state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return { allowed: true };
    }
    const remaining = (this.openedAt ?? 0) + this.options.cooldownMs - this.now();
    return { allowed: false, retryAfterMs: Math.max(remaining, 1000) };
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failed(): void {
    this.failures++;
    if (this.trialInFlight || this.failures >= this.options.failureThreshold) this.openedAt = this.now();
    this.trialInFlight = false;
  }
}
