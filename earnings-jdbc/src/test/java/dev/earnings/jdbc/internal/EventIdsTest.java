package dev.earnings.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventIdsTest {
    @Test
    void areVersion7UuidsLedByTheTimeInMilliseconds() {
        long before = System.currentTimeMillis();
        UUID id = UUID.fromString(EventIds.next());
        long after = System.currentTimeMillis();
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isBetween(before, after);
    }

    @Test
    void neverRepeat_andSortByTheMillisecondTheyWereMadeIn() throws InterruptedException {
        Set<String> seen = new HashSet<>();
        List<String> firstOfEachMillisecond = new ArrayList<>();
        long lastMillis = -1;
        for (int i = 0; i < 200_000; i++) {
            String id = EventIds.next();
            assertThat(seen.add(id)).as("repeated %s", id).isTrue();
            long millis = UUID.fromString(id).getMostSignificantBits() >>> 16;
            if (millis != lastMillis) {
                firstOfEachMillisecond.add(id);
                lastMillis = millis;
            }
            if (i % 50_000 == 0) {
                Thread.sleep(2);
            }
        }
        assertThat(firstOfEachMillisecond).hasSizeGreaterThan(3).isSorted();
    }
}
