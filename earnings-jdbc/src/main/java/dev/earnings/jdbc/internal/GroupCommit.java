package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.RecordedUse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for synchronous calls: concurrent calls in one JVM join one transaction, as
 * PostgreSQL's own commit groups and Kafka's producer batches do.
 *
 * <p>Calls queue in arrival order. Whenever fewer than {@code maxGroups} transactions are
 * running, a waiting call forms a group of the queued calls, in order, and leads it: it writes
 * them all in one transaction through the {@link Recording}, hands each its own item (its use, or
 * the exception that rejected it alone), and wakes the others. A call whose model is in a running
 * group waits for that group to end, and so does every later call of that model, so:
 * <ul>
 *   <li>a call that finds nothing running leads at once: nothing waits when nothing else is in flight;
 *   <li>a model's uses are written in the order of the calls, and two running groups never share a
 *       model, so this JVM's calls never wait on each other's row locks;
 *   <li>while transactions run, calls gather, and the next group takes them all: the more
 *       concurrent calls, the larger the groups;
 *   <li>a rejected use fails only its own call, and a transaction that fails for good is written
 *       again call by call ({@link Recording#group}), so one call's failure cannot fail another.
 * </ul>
 * Written by hand because no library offers a caller-runs group commit; it is LevelDB's writer
 * queue with several writers at once over disjoint models.
 */
public final class GroupCommit {
    private final Recording recording;
    private final int maxGroups;
    private final int maxGroup;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition gathered = lock.newCondition();
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final Set<String> busyModels = new HashSet<>();
    private int running;
    private int lastGroupSize;
    private long lastFinished;
    private boolean gathering;
    private int gatherTarget;

    /**
     * The longest a call waits for others to join it, and only when others are calling: a group
     * ran beside it or ended just before. Callers whose group just ended come back with their next
     * call within microseconds; without this wait, the first to come back would start a group of
     * one while the rest queue behind it, and groups would alternate between one call and many.
     * PostgreSQL's commit_delay and Kafka's linger.ms make the same trade.
     */
    private static final long GATHER_NANOS = java.util.concurrent.TimeUnit.MICROSECONDS.toNanos(200);

    /** How recently a group must have ended for its callers to be expected back. */
    private static final long RECENT_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(2);

    private static final class Waiter {
        final UsageWriter.Pending pending;
        BatchResult.Item item;
        RuntimeException failure;
        boolean done;

        Waiter(UsageWriter.Pending pending) {
            this.pending = pending;
        }

        String modelId() {
            return pending.request().modelId();
        }
    }

    /**
     * Creates the group commit.
     *
     * @param recording the write path in transactions
     * @param maxGroups how many group transactions may run at once
     * @param maxGroup the most calls one transaction takes
     */
    public GroupCommit(Recording recording, int maxGroups, int maxGroup) {
        this.recording = recording;
        this.maxGroups = maxGroups;
        this.maxGroup = maxGroup;
    }

    /**
     * Records one use, together with whatever other calls are waiting.
     *
     * @param pending the use, with its eventId fixed
     * @return the recorded use
     * @throws dev.earnings.core.EarningsException what rejected this use, or the storage failure of
     *     its transaction
     */
    public RecordedUse record(UsageWriter.Pending pending) {
        Waiter self = new Waiter(pending);
        lock.lock();
        try {
            queue.addLast(self);
            if (gathering && eligible() >= gatherTarget) {
                gathered.signal();
            }
            while (!self.done) {
                if (!gathering && running < maxGroups && shouldGather()) {
                    gather();
                    continue;
                }
                List<Waiter> group = gathering ? null : formGroup();
                if (group == null) {
                    // A call that is being written cannot be abandoned: it waits for its outcome.
                    changed.awaitUninterruptibly();
                    continue;
                }
                lock.unlock();
                Error fatal = null;
                try {
                    write(group);
                } catch (Error e) {
                    fatal = e;
                } finally {
                    lock.lock();
                    finish(group);
                }
                if (fatal != null) {
                    if (!self.done) {
                        queue.remove(self);
                        self.failure = new IllegalStateException("not recorded: the thread that wrote for it failed", fatal);
                        self.done = true;
                    }
                    throw fatal;
                }
            }
        } finally {
            lock.unlock();
        }
        return outcome(self);
    }

    /**
     * Whether a call about to lead should first wait for others: there are fewer eligible calls
     * than the last group held, and others are calling (a group runs, or one ended just now).
     */
    private boolean shouldGather() {
        if (lastGroupSize < 2) {
            return false;
        }
        if (running == 0 && System.nanoTime() - lastFinished > RECENT_NANOS) {
            return false;
        }
        int eligible = eligible();
        return eligible > 0 && eligible < lastGroupSize;
    }

    /** Waits, for at most {@link #GATHER_NANOS}, until as many calls as the last group held are eligible. */
    private void gather() {
        gathering = true;
        gatherTarget = lastGroupSize;
        long left = GATHER_NANOS;
        try {
            while (left > 0 && eligible() < gatherTarget) {
                try {
                    left = gathered.awaitNanos(left);
                } catch (InterruptedException e) {
                    // Nothing is abandoned for an interrupt; the flag is kept for the caller.
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } finally {
            gathering = false;
            // Stops the next leader from gathering again for the same calls.
            lastGroupSize = Math.min(lastGroupSize, Math.max(1, eligible()));
            changed.signalAll();
        }
    }

    /** How many queued calls could join a group now: those whose model no running group holds. */
    private int eligible() {
        int count = 0;
        Set<String> blocked = busyModels;
        for (Waiter w : queue) {
            if (!blocked.contains(w.modelId())) {
                count++;
            }
        }
        return count;
    }

    /** The queued calls that may be written now, in order, or {@code null}; marks their models busy. */
    private List<Waiter> formGroup() {
        if (running >= maxGroups || queue.isEmpty()) {
            return null;
        }
        Set<String> blocked = new HashSet<>(busyModels);
        List<Waiter> group = new ArrayList<>();
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext() && group.size() < maxGroup; ) {
            Waiter w = it.next();
            if (blocked.contains(w.modelId())) {
                continue;
            }
            group.add(w);
            it.remove();
        }
        if (group.isEmpty()) {
            return null;
        }
        group.forEach(w -> busyModels.add(w.modelId()));
        running++;
        return group;
    }

    private void finish(List<Waiter> group) {
        for (Waiter w : group) {
            if (w.item == null && w.failure == null) {
                w.failure = new IllegalStateException("not recorded: the thread that wrote for it failed");
            }
            w.done = true;
            busyModels.remove(w.modelId());
        }
        running--;
        lastGroupSize = group.size();
        lastFinished = System.nanoTime();
        changed.signalAll();
    }

    private void write(List<Waiter> group) {
        List<UsageWriter.Pending> uses = new ArrayList<>(group.size());
        for (Waiter w : group) {
            uses.add(w.pending);
        }
        try {
            List<Recording.Outcome> outcomes = recording.group(uses);
            for (int i = 0; i < group.size(); i++) {
                group.get(i).item = outcomes.get(i).item();
                group.get(i).failure = outcomes.get(i).failure();
            }
        } catch (RuntimeException e) {
            // Not a storage failure (those are outcomes): every call of the group gets an answer.
            for (Waiter w : group) {
                w.failure = e;
            }
        }
    }

    private static RecordedUse outcome(Waiter w) {
        if (w.failure != null) {
            throw w.failure;
        }
        if (w.item.error().isPresent()) {
            throw w.item.error().get();
        }
        return w.item.use().orElseThrow();
    }
}
