package dev.earnings.jdbc.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The token a call puts on every row it writes, drawn once before its first attempt: a retry that
 * finds a row with its own token knows that its earlier attempt committed.
 */
final class WriteTokens {
    private WriteTokens() {
    }

    /** A random token for one call's writes, the same for all its attempts. */
    static long next() {
        return ThreadLocalRandom.current().nextLong();
    }
}
