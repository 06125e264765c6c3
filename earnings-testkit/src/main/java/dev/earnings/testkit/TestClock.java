package dev.earnings.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UTC clock a test sets and advances; the library instance of {@link EarningsExtension} runs on
 * it, so "now", occurredAt windows and "last 7 days" are whatever the test says. Thread-safe.
 */
public final class TestClock extends Clock {
    /** Where a test clock starts unless told otherwise: a Tuesday noon, UTC. */
    public static final Instant DEFAULT_START = Instant.parse("2026-03-10T12:00:00Z");

    private final AtomicReference<Instant> now;

    private TestClock(Instant start) {
        this.now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
    }

    /**
     * A clock standing at {@code start}.
     *
     * @param start the first "now"
     * @return the clock
     */
    public static TestClock at(Instant start) {
        return new TestClock(start);
    }

    /**
     * Moves the clock to {@code instant}, forwards or back.
     *
     * @param instant the new "now"
     */
    public void set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant"));
    }

    /**
     * Moves the clock forwards.
     *
     * @param duration how far, zero or more
     */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("advance moves forwards; use set(...) to go back, not " + duration);
        }
        now.updateAndGet(i -> i.plus(duration));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /**
     * A test clock is UTC only: the library works in UTC days.
     *
     * @param zone any zone
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a TestClock is UTC only");
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public String toString() {
        return "TestClock[" + now.get() + "]";
    }
}
