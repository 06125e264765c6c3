package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsException;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.RecordedUse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for synchronous calls: concurrent calls in one JVM join one transaction, as
 * PostgreSQL's own commit groups and Kafka's producer batches do.
 *
 * <p>Each model belongs to one of a few lanes (by hash). A call queues in its model's lane; the
 * call at the head of the lane leads: it takes the calls queued behind it, writes them all in one
 * transaction through the {@link UsageWriter}, hands each its own item (its use, or the exception
 * that rejected it alone), and passes the lead to the next call in the queue. This is LevelDB's
 * writer queue, written by hand because no library offers a caller-runs group commit.
 *
 * <ul>
 *   <li>A call that finds its lane idle leads at once: nothing waits when nothing else is in flight.
 *   <li>A lane runs one transaction at a time, in queue order, and a model's calls all queue in one
 *       lane, so a model's uses keep the order of the calls, and this JVM's calls never wait on each
 *       other's row locks.
 *   <li>A rejected use fails only its own call, and a transaction that fails for good is written
 *       again call by call ({@link Recording#group}), so one call's failure cannot fail another.
 * </ul>
 */
public final class GroupCommit {
    private final Recording recording;
    private final Lane[] lanes;
    private final int maxGroup;

    private static final class Lane {
        final ReentrantLock lock = new ReentrantLock();
        final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    }

    private static final class Waiter {
        final UsageWriter.Pending pending;
        final Condition turn;
        BatchResult.Item item;
        RuntimeException failure;
        boolean done;

        Waiter(UsageWriter.Pending pending, Condition turn) {
            this.pending = pending;
            this.turn = turn;
        }
    }

    /**
     * Creates the group commit.
     *
     * @param recording the write path in transactions
     * @param lanes how many transactions may run at once, each for its own models
     * @param maxGroup the most calls one transaction takes
     */
    public GroupCommit(Recording recording, int lanes, int maxGroup) {
        this.recording = recording;
        this.lanes = new Lane[lanes];
        for (int i = 0; i < lanes; i++) {
            this.lanes[i] = new Lane();
        }
        this.maxGroup = maxGroup;
    }

    /**
     * Records one use, together with whatever other calls are queued in its lane.
     *
     * @param pending the use, with its eventId fixed
     * @return the recorded use
     * @throws EarningsException what rejected this use, or the storage failure of its transaction
     */
    public RecordedUse record(UsageWriter.Pending pending) {
        Lane lane = lanes[Math.floorMod(pending.request().modelId().hashCode(), lanes.length)];
        Waiter self;
        List<Waiter> group;
        lane.lock.lock();
        try {
            self = new Waiter(pending, lane.lock.newCondition());
            lane.queue.addLast(self);
            while (!self.done && lane.queue.peekFirst() != self) {
                // A call that is being written cannot be abandoned: it waits for its outcome.
                self.turn.awaitUninterruptibly();
            }
            if (self.done) {
                return outcome(self);
            }
            group = new ArrayList<>(Math.min(maxGroup, lane.queue.size()));
            for (Waiter w : lane.queue) {
                if (group.size() == maxGroup) {
                    break;
                }
                group.add(w);
            }
        } finally {
            lane.lock.unlock();
        }
        try {
            write(group);
        } catch (RuntimeException | Error e) {
            // Every call of the group gets an answer, whatever happened.
            for (Waiter w : group) {
                if (w.item == null && w.failure == null) {
                    w.failure = e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
                }
            }
            if (e instanceof Error) {
                finish(lane, group);
                throw (Error) e;
            }
        }
        finish(lane, group);
        return outcome(self);
    }

    private void finish(Lane lane, List<Waiter> group) {
        lane.lock.lock();
        try {
            for (Waiter w : group) {
                w.done = true;
                lane.queue.remove(w);
                w.turn.signal();
            }
            Waiter next = lane.queue.peekFirst();
            if (next != null) {
                next.turn.signal();
            }
        } finally {
            lane.lock.unlock();
        }
    }

    private void write(List<Waiter> group) {
        List<UsageWriter.Pending> uses = new ArrayList<>(group.size());
        for (Waiter w : group) {
            uses.add(w.pending);
        }
        List<Recording.Outcome> outcomes = recording.group(uses);
        for (int i = 0; i < group.size(); i++) {
            group.get(i).item = outcomes.get(i).item();
            group.get(i).failure = outcomes.get(i).failure();
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
