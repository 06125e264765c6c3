package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Group commit of synchronous calls, run against each database by a subclass: calls that arrive
 * while a transaction is in flight join one transaction, each with its own outcome, in call order
 * per model; calls of other models go ahead; synchronous calls keep moving beside a flood of
 * asynchronous uses of the same model.
 *
 * <p>A {@link CommitGate} holds a transaction at its commit, so the tests know which calls were
 * queued behind it: each later call is started on its own thread and the test waits until that
 * thread is parked in the queue before it starts the next.
 */
abstract class GroupCommitSuite extends DatabaseSuite {
    @Override
    Instant start() {
        return Instant.parse("2026-03-10T12:00:00Z");
    }

    /** A call on its own thread, with its outcome. */
    static final class Call {
        final Thread thread;
        final CompletableFuture<RecordedUse> outcome = new CompletableFuture<>();

        Call(Earnings library, UsageRequest request) {
            thread = new Thread(() -> {
                try {
                    outcome.complete(library.logModelUsage(request));
                } catch (RuntimeException e) {
                    outcome.completeExceptionally(e);
                }
            });
            thread.start();
        }

        /** Waits until the call is parked in the queue, waiting for its turn. */
        Call parked() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (thread.getState() != Thread.State.WAITING) {
                assertThat(outcome).as("the call finished instead of queuing").isNotDone();
                assertThat(System.nanoTime()).as("the call never queued").isLessThan(deadline);
                Thread.sleep(5);
            }
            return this;
        }

        RecordedUse use() throws Exception {
            return outcome.get(30, TimeUnit.SECONDS);
        }

        Throwable failure() throws Exception {
            try {
                outcome.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return e.getCause();
            }
            throw new AssertionError("the call succeeded");
        }
    }

    static UsageRequest use(String userId, String modelId, long tokens) {
        return UsageRequest.builder(userId, modelId).tokensConsumed(tokens).usageType("chat").build();
    }

    @Test
    void callsArrivingWhileATransactionRuns_joinOneTransaction_eachWithItsOwnOutcome_inCallOrder() throws Exception {
        String x = newModel("creator-1", ModelPricing.of("0.01", "0"));
        String y = newModel("creator-1", ModelPricing.of("0.01", "0"));
        CommitGate gate = new CommitGate();
        try (Earnings library = gated(gate)
                .groupCommitConcurrency(1).build()) {
            gate.arm();
            Call first = new Call(library, use("user-0", x, 0));
            gate.awaitHeld();
            Call second = new Call(library, use("user-1", x, 0)).parked();
            Call otherModel = new Call(library, use("user-2", y, 0)).parked();
            Call unknown = new Call(library, use("user-3", "no-such-model", 0)).parked();
            Call badTokens = new Call(library, use("user-4", x, -1)).parked();
            Call third = new Call(library, use("user-5", x, 0)).parked();
            assertThat(first.outcome).isNotDone();
            int commitsBefore = gate.commits.get();
            long retriesBefore = library.retries();
            gate.open();

            assertThat(first.use().useOrdinal()).isEqualTo(OptionalLong.of(1));
            // Queued in this order, written in this order: the rejected use takes no ordinal.
            assertThat(second.use().useOrdinal()).isEqualTo(OptionalLong.of(2));
            assertThat(third.use().useOrdinal()).isEqualTo(OptionalLong.of(3));
            assertThat(otherModel.use().useOrdinal()).isEqualTo(OptionalLong.of(1));
            assertThat(unknown.failure()).isInstanceOf(UnknownModelException.class).hasMessageContaining("no-such-model");
            assertThat(badTokens.failure()).isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("tokensConsumed"));
            // The held transaction's commit, then one transaction for the five calls queued behind it.
            assertThat(gate.commits.get() - commitsBefore).isEqualTo(2);
            assertThat(library.retries()).isEqualTo(retriesBefore);
            assertThat(second.use().replayed()).isFalse();
        }
        assertThat(db.usesOf(x)).isEqualTo(4 - 1);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void aCallWhoseModelIsInFlight_waits_whileACallOfAnotherModelGoesAhead() throws Exception {
        String x = newModel("creator-1", ModelPricing.of("0.01", "0"));
        String y = newModel("creator-1", ModelPricing.of("0.01", "0"));
        CommitGate gate = new CommitGate();
        try (Earnings library = gated(gate)
                .groupCommitConcurrency(2).build()) {
            gate.arm();
            Call first = new Call(library, use("user-0", x, 0));
            gate.awaitHeld();
            Call sameModel = new Call(library, use("user-1", x, 0)).parked();
            // A second transaction may run beside the held one, for a model it does not hold.
            RecordedUse other = new Call(library, use("user-2", y, 0)).use();
            assertThat(other.useOrdinal()).isEqualTo(OptionalLong.of(1));
            assertThat(first.outcome).isNotDone();
            // Woken when the other model's group ended, it finds its model still held and waits again.
            sameModel.parked();
            assertThat(sameModel.outcome).isNotDone();
            gate.open();
            assertThat(first.use().useOrdinal()).isEqualTo(OptionalLong.of(1));
            assertThat(sameModel.use().useOrdinal()).isEqualTo(OptionalLong.of(2));
        }
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void aLoneCall_leadsItsOwnTransactionAtOnce() throws Exception {
        String x = newModel("creator-1", ModelPricing.of("0.01", "0"));
        CommitGate gate = new CommitGate();
        try (Earnings library = gated(gate)
                .groupCommitConcurrency(1).build()) {
            int before = gate.commits.get();
            RecordedUse use = library.logModelUsage("user-0", x, 0, "chat", null);
            assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(1));
            assertThat(gate.commits.get() - before).isEqualTo(1);
        }
    }

    @Test
    void eightThreadsCallingAtOnce_shareTransactions_andSequentialCallsCommitOneByOne() throws Exception {
        String x = newModel("creator-1", ModelPricing.of("0.01", "0"));
        String y = newModel("creator-1", ModelPricing.of("0.01", "0"));
        CommitGate gate = new CommitGate();
        try (Earnings library = gated(gate)
                .groupCommitConcurrency(1).build()) {
            int before = gate.commits.get();
            for (int i = 0; i < 20; i++) {
                library.logModelUsage("user-" + i, y, 0, "chat", null);
            }
            assertThat(gate.commits.get() - before).as("commits of 20 sequential calls").isEqualTo(20);

            int threads = 8;
            int perThread = 100;
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            int concurrentBefore = gate.commits.get();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perThread; i++) {
                            library.logModelUsage("user-" + thread, x, 0, "chat", null);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                worker.start();
                workers.add(worker);
            }
            for (Thread worker : workers) {
                worker.join(TimeUnit.MINUTES.toMillis(2));
            }
            assertThat(errors).isEmpty();
            int commits = gate.commits.get() - concurrentBefore;
            // 800 calls of eight threads at once: while one transaction runs the others queue, and
            // the next transaction takes them together, so there are far fewer commits than calls.
            assertThat(commits).as("commits of %d concurrent calls", threads * perThread)
                    .isLessThanOrEqualTo(threads * perThread / 2);
        }
        assertThat(db.usesOf(x)).isEqualTo(800);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void synchronousCalls_keepMoving_besideAFloodOfAsynchronousUsesOfTheSameModel() throws Exception {
        String x = newModel("creator-1", ModelPricing.of("0.01", "0"));
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger submitted = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        List<CompletableFuture<RecordedUse>> async = new ArrayList<>();
        List<RecordedUse> sync = new ArrayList<>();
        int writtenMeanwhile;
        try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.builder().writers(1).maxBatch(500)
                .flushInterval(Duration.ofMillis(5)).capacity(5_000).build())) {
            Thread flood = new Thread(() -> {
                while (flooding.get() && submitted.get() < 200_000) {
                    CompletableFuture<RecordedUse> f = recorder.logModelUsage("flood-" + submitted.getAndIncrement() % 97, x,
                            1, "chat", null);
                    f.whenComplete((use, error) -> written.incrementAndGet());
                    async.add(f);
                }
            });
            flood.start();
            while (submitted.get() < 2_000) {
                Thread.sleep(5);
            }
            // Synchronous calls, at least thirty, and on until the recorder has written a thousand
            // uses of the flood meanwhile (or 20 seconds have passed).
            long started = System.nanoTime();
            long deadline = started + TimeUnit.SECONDS.toNanos(20);
            int writtenAtStart = written.get();
            while (sync.size() < 30 || (written.get() - writtenAtStart < 1_000 && System.nanoTime() < deadline)) {
                sync.add(earnings.logModelUsage("sync-" + sync.size(), x, 1, "chat", null));
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            writtenMeanwhile = written.get() - writtenAtStart;
            flooding.set(false);
            flood.join();
            // Synchronous calls while the recorder wrote groups of the same model all the time:
            // each waits for at most a group, not for the flood to end.
            assertThat(seconds).as("seconds for %d synchronous calls", sync.size()).isLessThan(20);
        }
        assertThat(writtenMeanwhile).as("uses of the flood written during the synchronous calls").isGreaterThanOrEqualTo(1_000);
        // The flood's groups were written between the synchronous calls: their ordinals are not one run.
        long span = sync.get(sync.size() - 1).useOrdinal().getAsLong() - sync.get(0).useOrdinal().getAsLong() + 1;
        assertThat(span).as("ordinals from the first synchronous use to the last").isGreaterThan(sync.size());
        for (CompletableFuture<RecordedUse> f : async) {
            assertThat(f.get(60, TimeUnit.SECONDS).useOrdinal()).isPresent();
        }
        // Each thread's uses keep their order among the model's ordinals.
        assertThat(sync).extracting(u -> u.useOrdinal().getAsLong()).isSorted();
        assertThat(db.usesOf(x)).isEqualTo(sync.size() + async.size());
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }
}
