package dev.earnings.examples.host;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last few of something, newest first, for an admin page: older ones are dropped as new ones
 * come, so it holds at most its capacity, however long the app runs. Thread-safe.
 *
 * @param <T> what is kept
 */
final class Recent<T> {
    private final int capacity;
    private final Deque<T> items;

    Recent(int capacity) {
        this.capacity = capacity;
        this.items = new ArrayDeque<>(capacity);
    }

    synchronized void add(T item) {
        if (items.size() == capacity) {
            items.removeLast();
        }
        items.addFirst(item);
    }

    /** A copy, newest first. */
    synchronized List<T> newestFirst() {
        return new ArrayList<>(items);
    }
}
