package dev.earnings.jdbc;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Proof that a race the test claims really happened: calls are bracketed by side (say
 * {@code "price"} and {@code "toggle"}), and the tracker counts the calls that started while a call
 * of another side was in flight, and the most calls in flight at once. Two calls overlap in time
 * exactly when one of them started while the other was in flight, so {@link #crossings()} is
 * positive exactly when calls of two sides overlapped.
 */
final class InFlight {
    private final Map<String, AtomicInteger> sides = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();
    private final AtomicLong crossings = new AtomicLong();

    /** Runs one call of {@code side}, counting it in flight while it runs. */
    <T> T call(String side, Callable<T> call) throws Exception {
        AtomicInteger mine = sides.computeIfAbsent(side, s -> new AtomicInteger());
        synchronized (this) {
            for (Map.Entry<String, AtomicInteger> other : sides.entrySet()) {
                if (!other.getKey().equals(side) && other.getValue().get() > 0) {
                    crossings.incrementAndGet();
                    break;
                }
            }
            mine.incrementAndGet();
            max.accumulateAndGet(total.incrementAndGet(), Math::max);
        }
        try {
            return call.call();
        } finally {
            synchronized (this) {
                mine.decrementAndGet();
                total.decrementAndGet();
            }
        }
    }

    /**
     * Runs one call of {@code side} once another call is in flight too (or two seconds have
     * passed), so that calls started together really overlap even on a machine too busy to run
     * their threads at once: each waits, in flight, for company, then makes its call.
     */
    <T> T callTogether(String side, Callable<T> call) throws Exception {
        return call(side, () -> {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
            while (max.get() < 2 && System.nanoTime() < deadline) {
                Thread.yield();
            }
            return call.call();
        });
    }

    /** Runs one call that returns nothing. */
    void run(String side, ThrowingRunnable call) throws Exception {
        call(side, () -> {
            call.run();
            return null;
        });
    }

    /** How many calls are in flight now, of every side. */
    int now() {
        return total.get();
    }

    /** The most calls in flight at once, of every side. */
    int maxInFlight() {
        return max.get();
    }

    /** Calls that started while a call of another side was in flight. */
    long crossings() {
        return crossings.get();
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
