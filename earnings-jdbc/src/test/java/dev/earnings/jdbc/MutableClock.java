package dev.earnings.jdbc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock the tests set and advance; thread-safe. Public for the tests of the sub-packages. */
public final class MutableClock extends Clock {
    /** The time set, and when (System.nanoTime) it was set. */
    private record Setting(Instant at, long since) {}

    private final AtomicReference<Setting> now;

    public MutableClock(Instant start) {
        this.now = new AtomicReference<>(new Setting(start, System.nanoTime()));
    }

    public void set(Instant instant) {
        now.set(new Setting(instant, System.nanoTime()));
    }

    public void advance(Duration duration) {
        now.updateAndGet(s -> new Setting(s.at().plus(duration), System.nanoTime()));
    }

    /**
     * This clock as it reads plus the real time passed since it was last set or advanced: for
     * the library's scheduler, which waits between polls until its clock has moved on by the
     * polling interval (db-scheduler's Waiter); on a clock that stands still it never polls again.
     */
    public Clock ticking() {
        return new Ticking(this);
    }

    /** {@link #ticking()}: reads the clock it views, plus the real time since that was set. */
    private static final class Ticking extends Clock {
        private final MutableClock base;

        Ticking(MutableClock base) {
            this.base = base;
        }

        @Override
        public ZoneId getZone() {
            return base.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return base.withZone(zone);
        }

        @Override
        public Instant instant() {
            Setting s = base.now.get();
            return s.at().plusNanos(System.nanoTime() - s.since());
        }
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the test clock is UTC only");
    }

    @Override
    public Instant instant() {
        return now.get().at();
    }
}
