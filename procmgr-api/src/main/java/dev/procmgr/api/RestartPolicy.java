package dev.procmgr.api;

import java.time.Duration;
import java.util.Objects;

/**
 * When the manager restarts a process that exited on its own, and how long it waits.
 *
 * <p>A run that ends before the spec's {@code startSeconds}, or with a non-zero exit or a signal
 * procmgr did not send, is a failure. Each consecutive failure doubles the delay from
 * {@code initialBackoff} up to {@code maxBackoff}, spread by {@code jitter} (0.1 = plus or minus
 * 10%). A run that lasts {@code resetAfter} resets the count. When more than {@code maxRestarts}
 * failures come in a row the process goes {@link ProcessState#FATAL}.
 *
 * @param mode NEVER, ON_FAILURE or ALWAYS
 * @param maxRestarts consecutive failures allowed before FATAL (default 5)
 * @param initialBackoff delay before the first restart (default 1 s)
 * @param maxBackoff cap on the delay (default 60 s)
 * @param jitter relative spread of the delay, 0 to 1 (default 0.1)
 * @param resetAfter uptime after which the failure count resets (default 60 s)
 */
public record RestartPolicy(Mode mode, int maxRestarts, Duration initialBackoff, Duration maxBackoff,
                            double jitter, Duration resetAfter) {

    /** When to restart. */
    public enum Mode {
        /** Never restart: the process ends EXITED, as in the original contract. */
        NEVER,
        /** Restart after a non-zero exit, a failed start, or a death by a signal procmgr did not send. */
        ON_FAILURE,
        /** Restart after every exit that {@code stop()} did not cause. */
        ALWAYS
    }

    /** Never restart (the default). */
    public static final RestartPolicy NEVER = of(Mode.NEVER);
    /** Restart on failure with the default backoff. */
    public static final RestartPolicy ON_FAILURE = of(Mode.ON_FAILURE);
    /** Always restart with the default backoff. */
    public static final RestartPolicy ALWAYS = of(Mode.ALWAYS);

    public RestartPolicy {
        Objects.requireNonNull(mode, "mode is null");
        Objects.requireNonNull(initialBackoff, "initialBackoff is null");
        Objects.requireNonNull(maxBackoff, "maxBackoff is null");
        Objects.requireNonNull(resetAfter, "resetAfter is null");
        if (maxRestarts < 0) {
            throw new InvalidSpecException("maxRestarts is negative: " + maxRestarts);
        }
        requireNotNegative("initialBackoff", initialBackoff);
        requireNotNegative("maxBackoff", maxBackoff);
        requireNotNegative("resetAfter", resetAfter);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new InvalidSpecException("maxBackoff " + maxBackoff + " is less than initialBackoff " + initialBackoff);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new InvalidSpecException("jitter must be between 0 and 1: " + jitter);
        }
    }

    /** The policy with this mode and the default limits. */
    public static RestartPolicy of(Mode mode) {
        return new RestartPolicy(mode, 5, Duration.ofSeconds(1), Duration.ofSeconds(60), 0.1, Duration.ofSeconds(60));
    }

    /** A copy with another {@code maxRestarts}. */
    public RestartPolicy withMaxRestarts(int n) {
        return new RestartPolicy(mode, n, initialBackoff, maxBackoff, jitter, resetAfter);
    }

    /** A copy with another backoff range. */
    public RestartPolicy withBackoff(Duration initial, Duration max) {
        return new RestartPolicy(mode, maxRestarts, initial, max, jitter, resetAfter);
    }

    /** A copy with another jitter. */
    public RestartPolicy withJitter(double j) {
        return new RestartPolicy(mode, maxRestarts, initialBackoff, maxBackoff, j, resetAfter);
    }

    /** A copy with another {@code resetAfter}. */
    public RestartPolicy withResetAfter(Duration d) {
        return new RestartPolicy(mode, maxRestarts, initialBackoff, maxBackoff, jitter, d);
    }

    static void requireNotNegative(String name, Duration d) {
        if (d.isNegative()) {
            throw new InvalidSpecException(name + " is negative: " + d);
        }
    }
}
