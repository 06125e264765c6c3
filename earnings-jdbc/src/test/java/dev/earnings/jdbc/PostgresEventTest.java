package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.ModelPricing;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The events outbox and its consumers on PostgreSQL, and a lane's connection terminated mid-batch. */
class PostgresEventTest extends EventSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }

    @Test
    void anInstanceWhoseConnectionIsLostMidBatch_stopsAfterTheEventInHand_whileAnotherTakesTheLane() throws Exception {
        String creator = creatorWithAUse();
        String name = consumerName("cut");
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> byA = new CopyOnWriteArrayList<>();
        List<String> byB = new CopyOnWriteArrayList<>();
        EventConsumer a = earnings.events().consumer(name, e -> {
            if (e.creatorId().equals(creator)) {
                byA.add(e.id());
                entered.countDown();
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }).build();
        EventConsumer b = earnings.events().consumer(name, e -> {
            if (e.creatorId().equals(creator)) {
                byB.add(e.id());
            }
        }).build();
        for (int i = 0; i < 3; i++) {
            earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 1, "cut-" + i));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Integer> polling = pool.submit(a::pollOnce);
            assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            int terminated = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM"
                    + " pg_stat_activity WHERE state = 'idle in transaction' AND usename = :role AND query LIKE"
                    + " '%earnings_events%lane%'").bind("role", db.user).mapTo(Integer.class).one());
            assertThat(terminated).isEqualTo(1);
            Await.until("another instance took the lane", 30, () -> {
                b.pollOnce();
                return byB.size() == 3;
            });
            release.countDown();
            polling.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        // The instance cut off handed over only the event it held when its connection went.
        assertThat(byA).hasSize(1);
        assertThat(byB).hasSize(3).contains(byA.get(0));
        assertThat(earnings.events().status(name).orElseThrow().pending()).isZero();
        earnings.events().removeConsumer(name);
    }
}
