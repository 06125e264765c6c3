package dev.earnings.jdbc.internal;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * The eventIds the library assigns when the host gives none: time-ordered UUIDs (RFC 9562
 * version 7). Their first 48 bits are the Unix time in milliseconds, so the unique index on
 * {@code event_id} grows at its right edge like the row ids do, instead of at a random page for
 * every use; the remaining 74 bits are random, so two instances never assign the same id.
 */
public final class EventIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private EventIds() {
    }

    /**
     * A new eventId. Its time part is the system's, not the library's configured clock: it only
     * keeps the index in order, and says nothing about when the use happened.
     *
     * @return a version 7 UUID in its canonical text form
     */
    public static String next() {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long millis = System.currentTimeMillis() & 0xFFFF_FFFF_FFFFL;
        long high = millis << 16 | 0x7000L | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
        long low = 0x8000_0000_0000_0000L | ((random[2] & 0x3FL) << 56);
        for (int i = 3; i < 10; i++) {
            low |= (random[i] & 0xFFL) << (8 * (9 - i));
        }
        return new UUID(high, low).toString();
    }
}
